import type { Backup } from "../../../contracts/databases";
import type { ArtifactRow } from "../../../db/rows";

export function toBackup(row: ArtifactRow): Backup {
  return {
    artifactId: row.id,
    engine: row.engine as Backup["engine"],
    instanceId: row.instanceId ?? "",
    taskId: row.taskId,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
  };
}
