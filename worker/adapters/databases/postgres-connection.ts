import type { ClientConfig } from "pg";
import type { DbInstance } from "../../../platform/db-instances";

/** Gets a Microsoft Entra access token for Azure Database for PostgreSQL. */
export type TokenProvider = () => Promise<string>;

export const ENTRA_POSTGRES_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

/** Azure Database for PostgreSQL hosts, where a URL without a password means Entra sign-in. */
const AZURE_POSTGRES_HOST = /\.postgres\.database\.azure\.com$/i;

export interface PostgresConnection {
  /** libpq variables for pg_dump/pg_restore: the password travels in PGPASSWORD, never in argv. */
  env: Record<string, string>;
  client: ClientConfig;
  database: string;
  /** Values to blank out of anything logged (the password or token). */
  secrets: string[];
}

/** DefaultAzureCredential, loaded on first use (only Entra-authenticated instances need it). */
export function defaultTokenProvider(): TokenProvider {
  let credential: { getToken(scope: string): Promise<{ token: string } | null> } | null = null;
  return async () => {
    if (!credential) {
      const { DefaultAzureCredential } = await import("@azure/identity");
      credential = new DefaultAzureCredential();
    }
    const token = await credential.getToken(ENTRA_POSTGRES_SCOPE);
    if (!token) throw new Error("DefaultAzureCredential returned no token");
    return token.token;
  };
}

/** Splits an instance URL into libpq variables and a pg client config. */
export async function connectionOf(instance: DbInstance, tokens: TokenProvider): Promise<PostgresConnection> {
  const url = new URL(instance.url);
  const user = decodeURIComponent(url.username);
  let password = decodeURIComponent(url.password);
  if (!password && AZURE_POSTGRES_HOST.test(url.hostname)) password = await tokens();
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres";
  const port = url.port || "5432";
  const sslmode =
    url.searchParams.get("sslmode") ?? (AZURE_POSTGRES_HOST.test(url.hostname) ? "require" : null);
  const env: Record<string, string> = {
    PGHOST: url.hostname.replace(/^\[|\]$/g, ""),
    PGPORT: port,
    PGDATABASE: database,
    PGCONNECT_TIMEOUT: "15",
  };
  if (user) env.PGUSER = user;
  if (password) env.PGPASSWORD = password;
  if (sslmode) env.PGSSLMODE = sslmode;
  const client: ClientConfig = {
    host: env.PGHOST,
    port: Number(port),
    user: user || undefined,
    password: password || undefined,
    database,
    connectionTimeoutMillis: 15_000,
    ssl: sslmode && sslmode !== "disable" ? { rejectUnauthorized: sslmode.startsWith("verify") } : undefined,
  };
  return { env, client, database, secrets: password ? [password, instance.url] : [instance.url] };
}
