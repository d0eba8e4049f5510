/**
 * Which real services a suite may use. Suites that need Redis or PostgreSQL run when REDIS_URL /
 * DATABASE_URL are set; with CI=true a missing service is an error, never a silent skip.
 */
const inCi = process.env.CI === "true";

function required(name: "REDIS_URL" | "DATABASE_URL"): string | undefined {
  const value = process.env[name];
  if (!value && inCi)
    throw new Error(`${name} must be set when CI=true: the suites that need it may not skip`);
  return value || undefined;
}

export const redisUrl = required("REDIS_URL");
export const postgresUrl = (() => {
  const url = required("DATABASE_URL");
  return url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
})();

/** A short random suffix for queue names, key prefixes and database names. */
export function uniqueSuffix(): string {
  return `${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
