import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from "../tests/support/databases";
import { encoded, prepared } from "./prepared-statements";

describe.each(dialectsUnderTest())("prepared statements on %s", (dialect) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
  });
  afterAll(async () => testDb?.destroy());

  const insertAudit = (key: string, onBuild: () => void) =>
    prepared(testDb.database, key, (db) => {
      onBuild();
      const { auditLog } = testDb.database.schema;
      return db.insert(auditLog).values({
        id: encoded(auditLog.id, "id"),
        at: encoded(auditLog.at, "at"),
        actor: "tester",
        role: "admin",
        source: "api",
        action: "probe",
        entity: encoded(auditLog.entity, "entity"),
        outcome: "ok",
        detail: encoded(auditLog.detail, "detail"),
      });
    });

  const readAudit = (id: string) =>
    testDb.database.rawQuery(
      `select "at", "entity", "detail" is null as "no_detail", "detail" from "audit_log" where "id" = ?`,
      [id],
    );

  it("builds a statement once per database handle and maps each value by its column, null as NULL", async () => {
    let builds = 0;
    const at = new Date("2026-12-04T03:00:00.123Z");
    for (const [id, detail] of [
      ["aud_probe_1", { reason: "json" }],
      ["aud_probe_2", null],
      ["aud_probe_3", { n: 3 }],
    ] as const) {
      await insertAudit("test_audit_insert", () => builds++).execute({ id, at, entity: null, detail });
    }
    expect(builds).toBe(1);

    const { auditLog } = testDb.database.schema;
    const byId = prepared(testDb.database, "test_audit_by_id", (db) =>
      db
        .select()
        .from(auditLog)
        .where(eq(auditLog.id, sql.placeholder("id"))),
    );
    const [first] = await byId.execute({ id: "aud_probe_1" });
    expect(first).toMatchObject({ at, entity: null, detail: { reason: "json" } });
    // drizzle's own placeholder mapping would have stored the JSON text `null` here.
    const [second] = await readAudit("aud_probe_2");
    expect([1, true]).toContain(second?.no_detail);
    // A Date in a condition goes through the column's mapping too (milliseconds on SQLite).
    const since = prepared(testDb.database, "test_audit_since", (db) =>
      db
        .select({ id: auditLog.id })
        .from(auditLog)
        .where(sql`${auditLog.at} >= ${encoded(auditLog.at, "since")} and ${auditLog.action} = 'probe'`),
    );
    expect(await since.execute({ since: at })).toHaveLength(3);
    expect(await since.execute({ since: new Date(at.getTime() + 1) })).toHaveLength(0);
  });

  it("runs inside a transaction on that transaction's handle, so a rollback undoes it", async () => {
    let builds = 0;
    const at = new Date();
    const insertIn = (tx: TestDatabase["database"], id: string) =>
      prepared(tx, "test_audit_insert_tx", (db) => {
        builds++;
        const { auditLog } = tx.schema;
        return db.insert(auditLog).values({
          id: encoded(auditLog.id, "id"),
          at: encoded(auditLog.at, "at"),
          actor: "tester",
          role: "admin",
          source: "api",
          action: "probe-tx",
          outcome: "ok",
        });
      }).execute({ id, at });
    await expect(
      testDb.database.transaction(async (tx) => {
        await insertIn(tx, "aud_probe_tx_1");
        await insertIn(tx, "aud_probe_tx_2");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await readAudit("aud_probe_tx_1")).toHaveLength(0);
    expect(await readAudit("aud_probe_tx_2")).toHaveLength(0);
    // A transaction's handle lives for that transaction: its statements are built per call.
    expect(builds).toBe(2);
  });
});
