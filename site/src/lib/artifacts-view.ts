import type { Artifact } from "../../../contracts/artifacts";

/** 52431112 -> "50.0 MB": sizes as people read them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** How an artifact was made, in one line: "pg_dump 15.20 · PostgreSQL 15.20 · 3 tables · 1.2 s". */
export function provenance(a: Artifact): string {
  const parts: string[] = [];
  if (a.tool) parts.push(a.tool);
  if (a.serverVersion) parts.push(`server ${a.serverVersion}`);
  if (a.tableCount !== null) parts.push(`${a.tableCount} table${a.tableCount === 1 ? "" : "s"}`);
  if (a.durationMs !== null) parts.push(`${(a.durationMs / 1000).toFixed(1)} s`);
  return parts.join(" · ");
}

/** The artifacts page for one instance (or all), with the artifact's row as anchor. */
export function artifactsHref(instanceId: string | null, artifactId?: string): string {
  const query = instanceId ? `?instanceId=${encodeURIComponent(instanceId)}` : "";
  return `/artifacts${query}${artifactId ? `#${encodeURIComponent(artifactId)}` : ""}`;
}
