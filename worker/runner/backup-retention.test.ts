import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores, type Stores } from "../../db/stores/index";
import { type ArtifactStore, putText } from "../../platform/artifacts/artifact-store";
import { createLocalArtifactStore } from "../../platform/artifacts/local-artifact-store";
import { silentLogger } from "../../platform/logger";
import { createTestDatabase, type TestDatabase } from "../../tests/support/databases";
import { createBackupRetention } from "./backup-retention";

const DAY = 86_400_000;

describe("backup retention (ARTIFACT_RETENTION_DAYS)", () => {
  let db: TestDatabase;
  let stores: Stores;
  let dir: string;
  let storage: ArtifactStore;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite");
    stores = createStores(db.database);
    dir = mkdtempSync(join(tmpdir(), "cloudops-retention-"));
    storage = createLocalArtifactStore(dir);
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function backup(instanceId: string, ageDays: number, now: Date) {
    const key = `backups/azure-postgres/${instanceId}/${ageDays}.dump`;
    const stored = await putText(storage, key, `dump ${instanceId} ${ageDays}`);
    return stores.artifacts.create(
      {
        kind: "backup",
        path: key,
        size: stored.size,
        sha256: stored.sha256,
        taskId: null,
        engine: "azure-postgres",
        instanceId,
      },
      new Date(now.getTime() - ageDays * DAY),
    );
  }

  it("removes backups older than the retention, content and row, but never an instance's newest", async () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const oldA = await backup("a", 90, now);
    const olderA = await backup("a", 45, now);
    const recentA = await backup("a", 2, now);
    const onlyB = await backup("b", 400, now);
    const plan = await stores.artifacts.create(
      {
        kind: "plan",
        path: "artifacts/plans/p.json",
        size: 1,
        sha256: "0".repeat(64),
        taskId: null,
        engine: null,
        instanceId: null,
      },
      new Date(now.getTime() - 400 * DAY),
    );
    const retention = createBackupRetention({ stores, storage, logger: silentLogger, retentionDays: 30 });

    expect((await retention.prune(now)).sort()).toEqual([oldA.id, olderA.id].sort());
    expect(await storage.stat(oldA.path)).toBeNull();
    expect(await stores.artifacts.get(olderA.id)).toBeNull();
    expect(await stores.artifacts.get(recentA.id)).not.toBeNull();
    expect(await stores.artifacts.get(onlyB.id)).not.toBeNull();
    expect(await storage.stat(onlyB.path)).not.toBeNull();
    expect(await stores.artifacts.get(plan.id)).not.toBeNull();
    expect(await retention.prune(now)).toEqual([]);
  });
});
