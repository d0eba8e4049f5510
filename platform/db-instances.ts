/** A database operators may back up and restore. `url` is secret: only id, engine and environment are shown. */
export interface DbInstance {
  id: string;
  engine: "azure-postgres" | "azure-sql";
  /** postgres://… for azure-postgres; an ADO.NET connection string (or sqlserver://…) for azure-sql. */
  url: string;
  /** `project/environment` the instance belongs to; restoring into a prod one needs the admin role. */
  environment?: string;
}

/** What may be shown of an instance anywhere (logs, API answers, cards). */
export type PublicDbInstance = Omit<DbInstance, "url">;

const ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SHAPE =
  'DB_INSTANCES must be JSON like {"orders-db":{"engine":"azure-postgres","url":"postgres://…","environment":"shop/prod"}} or id=url pairs separated by commas';

/** Parses DB_INSTANCES. Error messages never echo the value: it holds passwords. */
export function parseDbInstances(raw: string | undefined): DbInstance[] {
  const text = raw?.trim() ?? "";
  if (!text) return [];
  const entries: [string, unknown][] = text.startsWith("{") ? jsonEntries(text) : pairEntries(text);
  const seen = new Set<string>();
  return entries.map(([id, value]) => {
    if (!ID.test(id)) throw new Error(`DB_INSTANCES: instance id "${id}" must be a DNS label (a-z, 0-9, -)`);
    if (seen.has(id)) throw new Error(`DB_INSTANCES: instance id "${id}" appears twice`);
    seen.add(id);
    return instanceOf(id, value);
  });
}

function jsonEntries(text: string): [string, unknown][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${SHAPE} (the JSON does not parse)`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(SHAPE);
  return Object.entries(parsed);
}

function pairEntries(text: string): [string, unknown][] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) throw new Error(`${SHAPE} (an entry has no "=")`);
      return [pair.slice(0, at).trim(), { url: pair.slice(at + 1).trim() }];
    });
}

function instanceOf(id: string, value: unknown): DbInstance {
  if (!value || typeof value !== "object")
    throw new Error(`DB_INSTANCES: instance "${id}" must be an object`);
  const v = value as Record<string, unknown>;
  const url = typeof v.url === "string" ? v.url.trim() : "";
  if (!url) throw new Error(`DB_INSTANCES: instance "${id}" needs a url`);
  const engine = v.engine ?? engineOf(url);
  if (engine !== "azure-postgres" && engine !== "azure-sql") {
    throw new Error(
      `DB_INSTANCES: instance "${id}" needs engine azure-postgres or azure-sql (or a postgres:// or sqlserver:// url)`,
    );
  }
  if (engine === "azure-postgres" && !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`DB_INSTANCES: instance "${id}" (azure-postgres) needs a postgres:// url`);
  }
  const environment = v.environment;
  if (
    environment !== undefined &&
    (typeof environment !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(environment))
  ) {
    throw new Error(`DB_INSTANCES: instance "${id}" environment must be "project/environment"`);
  }
  return { id, engine, url, ...(environment ? { environment } : {}) };
}

function engineOf(url: string): DbInstance["engine"] | undefined {
  if (/^postgres(ql)?:\/\//.test(url)) return "azure-postgres";
  if (/^(sqlserver|mssql):\/\//.test(url) || /(^|;)\s*(server|data source)\s*=/i.test(url))
    return "azure-sql";
  return undefined;
}

/** The instance without its connection string. */
export function publicView(instance: DbInstance): PublicDbInstance {
  return {
    id: instance.id,
    engine: instance.engine,
    ...(instance.environment ? { environment: instance.environment } : {}),
  };
}
