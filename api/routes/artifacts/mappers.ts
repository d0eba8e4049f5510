import type { Artifact } from "../../../contracts/artifacts";
import type { ArtifactRow } from "../../../db/rows";

const text = (v: unknown) => (typeof v === "string" ? v : null);
const int = (v: unknown) => (typeof v === "number" ? Math.round(v) : null);

/** An artifact row as the API shows it: metadata flattened, never a storage path. */
export function toArtifact(row: ArtifactRow): Artifact {
  const meta = row.meta ?? {};
  return {
    id: row.id,
    kind: row.kind,
    engine: row.engine,
    instanceId: row.instanceId,
    taskId: row.taskId,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
    serverVersion: text(meta.serverVersion),
    tableCount: int(meta.tableCount),
    durationMs: int(meta.durationMs),
    tool: text(meta.tool),
    simulated: meta.simulated === true,
  };
}
