import type { Artifact } from "../../../contracts/artifacts";

export { formatBytes } from "../../../cards/text";

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
