import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { z } from "zod";
import { type DbInstance, parseDbInstances } from "./platform/db-instances";

// The only module that reads process.env. Everything else receives a parsed Config.

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ["true", "false", "1", "0", "yes", "no"].includes(v), "must be true or false")
  .transform((v) => ["true", "1", "yes"].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number between ${min} and ${max}`);

const optional = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const url = (protocols: string[]) =>
  optional.refine(
    (v) => v === undefined || protocols.some((p) => v.startsWith(p)),
    `must be a URL starting with ${protocols.join(" or ")}`,
  );

const envSchema = z.object({
  DEMO_MODE: bool.default(true),
  PORT: int(1, 65535).default(3000),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  PUBLIC_URL: url(["http://", "https://"]),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  DATABASE_URL: url(["postgres://", "postgresql://", "file:"]),
  PLATFORM_DB_CONN: url(["postgres://", "postgresql://", "file:"]),
  REDIS_URL: url(["redis://", "rediss://"]),
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9:_-]+$/, "must be letters, digits, ':', '_' or '-'")
    .default("cloudops"),
  QUEUE_ENGINE: z
    .enum(["memory", "bullmq", "servicebus"], { error: "must be memory, bullmq or servicebus" })
    .optional(),
  AZURE_SERVICEBUS_CONNECTION_STRING: optional,
  AZURE_SERVICEBUS_QUEUE: z.string().trim().min(1).default("cloudops-tasks"),
  TEAMS_WEBHOOK_URL: url(["https://", "http://"]),
  NOTIFY_ALLOWED_HOSTS: optional,
  NOTIFY_WINDOW_SECONDS: int(0, 86_400).default(120),
  NOTIFY_MAX_ATTEMPTS: int(1, 100).default(8),
  SENDGRID_API_KEY: optional,
  EMAIL_FROM: z.string().trim().email("must be an email address").default("cloudops@localhost.localdomain"),
  MICROSOFT_APP_ID: optional,
  MICROSOFT_APP_PASSWORD: optional,
  MICROSOFT_APP_TENANT_ID: optional,
  TEAMS_ALLOWED_TENANTS: optional,
  TEAMS_USER_ROLES: optional,
  TEAMS_DEFAULT_ROLE: z
    .enum(["viewer", "operator", "admin"], { error: "must be viewer, operator or admin" })
    .optional(),
  API_URL: url(["http://", "https://"]),
  INTERNAL_API_TOKEN: optional.refine(
    (v) => v === undefined || v.length >= 24,
    "must be at least 24 characters",
  ),
  AZURE_TENANT_ID: optional,
  AZURE_CLIENT_ID: optional,
  AZURE_CLIENT_SECRET: optional,
  OIDC_ISSUER: url(["https://", "http://"]),
  OIDC_AUDIENCE: optional,
  OIDC_JWKS_URL: url(["https://", "http://"]),
  OIDC_CLIENT_ID: optional,
  OIDC_CLIENT_SECRET: optional,
  OIDC_CLIENT_CERTIFICATE_PATH: optional,
  AZURE_CLIENT_CERTIFICATE_PATH: optional,
  SESSION_SECRET: optional.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  KUBECONFIG: optional,
  KUBE_CONTEXT: optional,
  // Set by Kubernetes in every pod: the worker then uses its service account when KUBECONFIG is unset.
  KUBERNETES_SERVICE_HOST: optional,
  MAX_CONCURRENT_SESSIONS: int(1, 1000).default(8),
  MAX_MESSAGES_PER_SESSION: int(1, 10_000).default(4),
  ROLE: z.enum(["all", "api", "worker", "bot"], { error: "must be all, api, worker or bot" }).default("all"),
  LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error", "silent"], {
      error: "must be debug, info, warn, error or silent",
    })
    .default("info"),
  DEMO_STEP_DELAY_MS: int(0, 600_000).default(1000),
  RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(60),
  IDEMPOTENCY_TTL_HOURS: int(1, 720).default(24),
  MAX_BODY_BYTES: int(1024, 10_485_760).default(65_536),
  SHUTDOWN_GRACE_MS: int(0, 60_000).default(8000),
  // Parsed by parseDbInstances, whose messages never echo the value (it holds passwords).
  DB_INSTANCES: optional,
  DB_OPERATION_TIMEOUT_MINUTES: int(1, 10_080).default(60),
  SQLPACKAGE_PATH: optional,
  ARTIFACT_STORE: z.enum(["local", "azure-blob"], { error: "must be local or azure-blob" }).default("local"),
  AZURE_STORAGE_CONNECTION_STRING: optional,
  AZURE_STORAGE_ACCOUNT_URL: url(["https://", "http://"]),
  AZURE_STORAGE_CONTAINER: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "must be a container name (3-63 of a-z, 0-9, -)")
    .default("cloudops-artifacts"),
  ARTIFACT_RETENTION_DAYS: int(1, 36_500).default(30),
  // Standard OpenTelemetry variables: the SDK reads the rest (headers, protocol, resource attributes)
  // itself; these decide whether any exporter is started at all.
  OTEL_EXPORTER_OTLP_ENDPOINT: url(["http://", "https://"]),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(["http://", "https://"]),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: url(["http://", "https://"]),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default("cloudops"),
  OTEL_METRIC_EXPORT_INTERVAL: int(1000, 3_600_000).default(60_000),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optional.refine(
    (v) => v === undefined || /InstrumentationKey=/i.test(v),
    "must be an Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=...)",
  ),
  METRICS_TOKEN: optional.refine((v) => v === undefined || v.length >= 16, "must be at least 16 characters"),
  TRACE_URL_TEMPLATE: url(["http://", "https://"]).refine(
    (v) => v === undefined || v.includes("{traceId}"),
    "must contain {traceId}",
  ),
  APPROVAL_TTL_MINUTES: int(1, 10_080).default(60),
});

export type RawEnv = z.input<typeof envSchema>;

export interface Config {
  demoMode: boolean;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;
  db: "sqlite" | "postgres";
  redisUrl: string | undefined;
  redisPrefix: string;
  queue: {
    engine: "memory" | "bullmq" | "servicebus";
    serviceBusConnectionString?: string;
    serviceBusQueue: string;
  };
  maxConcurrentSessions: number;
  maxMessagesPerSession: number;
  demoStepDelayMs: number;
  role: "all" | "api" | "worker" | "bot";
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  kubernetes: { kubeconfig: string | undefined; context: string | undefined; inCluster: boolean };
  notifications: {
    teamsWebhookUrl: string | undefined;
    allowedHosts: string[];
    windowSeconds: number;
    maxAttempts: number;
    sendgridApiKey: string | undefined;
    emailFrom: string;
  };
  bot: {
    appId: string | undefined;
    appPassword: string | undefined;
    tenantId: string | undefined;
    apiUrl: string;
    userRoles: Record<string, "viewer" | "operator" | "admin">;
    defaultRole: "viewer" | "operator" | "admin";
    /** Tenant ids whose activities the bot serves; empty: any tenant (demo without a registration). */
    allowedTenants: string[];
  };
  auth: {
    oidcIssuer: string | undefined;
    oidcAudience: string | undefined;
    oidcJwksUrl: string | undefined;
    /** Dashboard sign-in client (OIDC_CLIENT_ID, else AZURE_CLIENT_ID); secret absent for a public client. */
    oidcClientId: string | undefined;
    oidcClientSecret: string | undefined;
    /** PEM with the private key and certificate of the sign-in client (private_key_jwt); wins over the secret. */
    oidcClientCertificatePath: string | undefined;
    /** Key material of the dashboard session cookie; set whenever DEMO_MODE=false serves the dashboard. */
    sessionSecret: string | undefined;
  };
  azure: { tenantId: string | undefined; clientId: string | undefined; clientSecret: string | undefined };
  api: {
    rateLimitPerMinute: number;
    idempotencyTtlMs: number;
    maxBodyBytes: number;
    /**
     * Shared secret with which the bot and the site call the API on behalf of a user
     * (headers X-Internal-Token, X-Acting-User, X-Acting-Role). Random per process when unset, which
     * is right for ROLE=all; set it to the same value on api and bot processes that run apart.
     */
    internalToken: string;
  };
  shutdownGraceMs: number;
  /** Databases operators may back up and restore (DB_INSTANCES); empty in demo means the simulator. */
  databases: { instances: DbInstance[]; operationTimeoutMs: number; sqlPackagePath: string | undefined };
  artifacts: {
    store: "local" | "azure-blob";
    connectionString: string | undefined;
    accountUrl: string | undefined;
    container: string;
    retentionDays: number;
  };
  telemetry: {
    serviceName: string;
    /** Spans go over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT set, SDK not disabled). */
    otlpTraces: boolean;
    /** Metrics go over OTLP as well as to GET /metrics. */
    otlpMetrics: boolean;
    metricExportIntervalMs: number;
    /** Spans and metrics go to Azure Monitor (APPLICATIONINSIGHTS_CONNECTION_STRING). */
    azureMonitorConnectionString: string | undefined;
    /** Bearer token GET /metrics asks for; unset: /metrics is open (keep it off the public ingress). */
    metricsToken: string | undefined;
    /** Link from the task page to the trace; `{traceId}` is replaced. */
    traceUrlTemplate: string | undefined;
  };
  /** Two-person approval of production deploys and restores. */
  approval: { ttlMs: number };
}

/** Thrown for a bad variable; the message is the one line printed before exiting with code 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses the environment once. Unset and empty variables take their documented defaults. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((k) => [k, env[k]] as const)
      .filter(([, v]) => v !== undefined && v.trim() !== ""),
  );
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    const got = env[name] === undefined ? "" : ` (got "${env[name]}")`;
    throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? "is invalid"}${got}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? e.PLATFORM_DB_CONN ?? `file:${resolve(dataDir, "platform.db")}`;
  const engine =
    e.QUEUE_ENGINE ??
    (e.AZURE_SERVICEBUS_CONNECTION_STRING ? "servicebus" : e.REDIS_URL ? "bullmq" : "memory");
  if (engine === "bullmq" && !e.REDIS_URL)
    throw new ConfigError("Invalid configuration: QUEUE_ENGINE=bullmq needs REDIS_URL");
  if (engine === "servicebus" && !e.AZURE_SERVICEBUS_CONNECTION_STRING) {
    throw new ConfigError(
      "Invalid configuration: QUEUE_ENGINE=servicebus needs AZURE_SERVICEBUS_CONNECTION_STRING",
    );
  }
  if (!e.DEMO_MODE && !e.OIDC_ISSUER && !e.AZURE_TENANT_ID) {
    throw new ConfigError(
      "Invalid configuration: DEMO_MODE=false needs OIDC_ISSUER or AZURE_TENANT_ID for API sign-in",
    );
  }
  if (!e.DEMO_MODE && (e.ROLE === "all" || e.ROLE === "api") && !e.SESSION_SECRET) {
    throw new ConfigError(
      "Invalid configuration: SESSION_SECRET must be set (at least 32 characters) when DEMO_MODE=false: it protects the dashboard's sign-in cookie",
    );
  }
  if (!e.DEMO_MODE && (e.ROLE === "all" || e.ROLE === "api") && !(e.OIDC_CLIENT_ID ?? e.AZURE_CLIENT_ID)) {
    throw new ConfigError(
      "Invalid configuration: OIDC_CLIENT_ID (or AZURE_CLIENT_ID) must be set when DEMO_MODE=false: the dashboard signs people in as this client",
    );
  }
  if (
    e.ARTIFACT_STORE === "azure-blob" &&
    !e.AZURE_STORAGE_CONNECTION_STRING &&
    !e.AZURE_STORAGE_ACCOUNT_URL
  ) {
    throw new ConfigError(
      "Invalid configuration: ARTIFACT_STORE=azure-blob needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL",
    );
  }
  let instances: DbInstance[];
  try {
    instances = parseDbInstances(e.DB_INSTANCES);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
  return {
    demoMode: e.DEMO_MODE,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    dataDir,
    databaseUrl,
    db: /^postgres/.test(databaseUrl) ? "postgres" : "sqlite",
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    queue: {
      engine,
      serviceBusConnectionString: e.AZURE_SERVICEBUS_CONNECTION_STRING,
      serviceBusQueue: e.AZURE_SERVICEBUS_QUEUE,
    },
    maxConcurrentSessions: e.MAX_CONCURRENT_SESSIONS,
    maxMessagesPerSession: e.MAX_MESSAGES_PER_SESSION,
    demoStepDelayMs: e.DEMO_STEP_DELAY_MS,
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    kubernetes: {
      kubeconfig: e.KUBECONFIG,
      context: e.KUBE_CONTEXT,
      inCluster: !e.KUBECONFIG && Boolean(e.KUBERNETES_SERVICE_HOST),
    },
    notifications: {
      teamsWebhookUrl: e.TEAMS_WEBHOOK_URL,
      allowedHosts: (e.NOTIFY_ALLOWED_HOSTS ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      windowSeconds: e.NOTIFY_WINDOW_SECONDS,
      maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
      sendgridApiKey: e.SENDGRID_API_KEY,
      emailFrom: e.EMAIL_FROM,
    },
    bot: {
      appId: e.MICROSOFT_APP_ID,
      appPassword: e.MICROSOFT_APP_PASSWORD,
      tenantId: e.MICROSOFT_APP_TENANT_ID,
      apiUrl: (e.API_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ""),
      userRoles: parseUserRoles(e.TEAMS_USER_ROLES),
      defaultRole: e.TEAMS_DEFAULT_ROLE ?? (e.DEMO_MODE ? "operator" : "viewer"),
      allowedTenants: listOf(e.TEAMS_ALLOWED_TENANTS ?? e.MICROSOFT_APP_TENANT_ID),
    },
    auth: {
      oidcIssuer: e.OIDC_ISSUER,
      oidcAudience: e.OIDC_AUDIENCE,
      oidcJwksUrl: e.OIDC_JWKS_URL,
      oidcClientId: e.OIDC_CLIENT_ID ?? e.AZURE_CLIENT_ID,
      oidcClientSecret: e.OIDC_CLIENT_SECRET ?? e.AZURE_CLIENT_SECRET,
      oidcClientCertificatePath: e.OIDC_CLIENT_CERTIFICATE_PATH ?? e.AZURE_CLIENT_CERTIFICATE_PATH,
      sessionSecret: e.SESSION_SECRET,
    },
    azure: { tenantId: e.AZURE_TENANT_ID, clientId: e.AZURE_CLIENT_ID, clientSecret: e.AZURE_CLIENT_SECRET },
    api: {
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      idempotencyTtlMs: e.IDEMPOTENCY_TTL_HOURS * 3_600_000,
      maxBodyBytes: e.MAX_BODY_BYTES,
      internalToken: e.INTERNAL_API_TOKEN ?? randomBytes(24).toString("hex"),
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    databases: {
      instances,
      operationTimeoutMs: e.DB_OPERATION_TIMEOUT_MINUTES * 60_000,
      sqlPackagePath: e.SQLPACKAGE_PATH,
    },
    artifacts: {
      store: e.ARTIFACT_STORE,
      connectionString: e.AZURE_STORAGE_CONNECTION_STRING,
      accountUrl: e.AZURE_STORAGE_ACCOUNT_URL,
      container: e.AZURE_STORAGE_CONTAINER,
      retentionDays: e.ARTIFACT_RETENTION_DAYS,
    },
    telemetry: {
      serviceName: e.OTEL_SERVICE_NAME,
      otlpTraces:
        !e.OTEL_SDK_DISABLED &&
        Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
      otlpMetrics:
        !e.OTEL_SDK_DISABLED &&
        Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT),
      metricExportIntervalMs: e.OTEL_METRIC_EXPORT_INTERVAL,
      azureMonitorConnectionString: e.OTEL_SDK_DISABLED ? undefined : e.APPLICATIONINSIGHTS_CONNECTION_STRING,
      metricsToken: e.METRICS_TOKEN,
      traceUrlTemplate: e.TRACE_URL_TEMPLATE,
    },
    approval: { ttlMs: e.APPROVAL_TTL_MINUTES * 60_000 },
  };
}

function listOf(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

/** `alice@contoso.com=admin,bob@contoso.com=viewer` -> { "alice@contoso.com": "admin", ... } */
function parseUserRoles(raw: string | undefined): Record<string, "viewer" | "operator" | "admin"> {
  const roles: Record<string, "viewer" | "operator" | "admin"> = {};
  for (const pair of (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [user, role] = pair.split("=").map((s) => s.trim());
    if (!user || (role !== "viewer" && role !== "operator" && role !== "admin")) {
      throw new ConfigError(
        `Invalid configuration: TEAMS_USER_ROLES must be user=role pairs with role viewer, operator or admin (got "${pair}")`,
      );
    }
    roles[user.toLowerCase()] = role;
  }
  return roles;
}
