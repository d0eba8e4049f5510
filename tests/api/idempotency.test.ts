import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";
import { dialectsUnderTest } from "../support/databases";

describe.each(dialectsUnderTest())("Idempotency-Key on mutating requests (%s)", (dialect) => {
  let api: TestApi;
  let body: Record<string, unknown>;

  beforeAll(async () => {
    api = await createTestApi({ engine: { dialect }, env: { RATE_LIMIT_PER_MINUTE: "1000" } });
    const { project, env } = await seedProject(api);
    body = { projectId: project.id, envId: env.id, templateId: "web-app", params: { replicas: 2 } };
  });
  afterAll(async () => api?.close());

  const deploy = (key: string, payload: unknown = body, user = "alice") =>
    api.as("operator", user)("/api/deployments", {
      method: "POST",
      body: payload,
      headers: { "idempotency-key": key },
    });

  const countTasks = async () => (await api.t.stores.tasks.list({ limit: 200 })).items.length;

  it("answers a repeated request with the first answer and the same taskId", async () => {
    const first = await deploy("repeat-1");
    expect(first.status).toBe(202);
    const a = (await first.json()) as { taskId: string };
    const before = await countTasks();
    const again = await deploy("repeat-1");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(`/api/tasks/${a.taskId}`);
    expect(await again.json()).toEqual(a);
    expect(await countTasks()).toBe(before);
  });

  it("replays the task a first answer carried under Prefer: return=representation", async () => {
    const withTask = (key: string) =>
      api.as("operator", "alice")("/api/deployments", {
        method: "POST",
        body,
        headers: { "idempotency-key": key, prefer: "return=representation" },
      });
    const first = await withTask("repeat-with-task");
    const answer = (await first.json()) as { taskId: string; task: { id: string; status: string } };
    expect(answer.task).toMatchObject({ id: answer.taskId, status: "queued" });
    const again = await withTask("repeat-with-task");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("preference-applied")).toBe("return=representation");
    expect(await again.json()).toEqual(answer);
  });

  it("refuses the same key with a different request with 422 idempotency_key_reused", async () => {
    expect((await deploy("reuse-1")).status).toBe(202);
    const other = await deploy("reuse-1", { ...body, templateId: "worker" });
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toContain("application/problem+json");
    expect(await other.json()).toMatchObject({ code: "idempotency_key_reused" });
    const otherPath = await api.as("operator", "alice")("/api/k8s/workloads/shop/web:restart", {
      method: "POST",
      headers: { "idempotency-key": "reuse-1" },
    });
    expect(otherPath.status).toBe(422);
  });

  it("creates exactly one task for ten identical requests sent at the same moment", async () => {
    const before = await countTasks();
    const answers = await Promise.all(Array.from({ length: 10 }, () => deploy("race-10")));
    const statuses = answers.map((r) => r.status);
    expect(statuses).toEqual(Array(10).fill(202));
    const ids = new Set(
      await Promise.all(answers.map(async (r) => ((await r.json()) as { taskId: string }).taskId)),
    );
    expect(ids.size).toBe(1);
    expect(await countTasks()).toBe(before + 1);
  });

  it("keeps keys apart per user", async () => {
    const alice = (await (await deploy("shared-key", body, "alice")).json()) as { taskId: string };
    const bob = (await (await deploy("shared-key", body, "bob")).json()) as { taskId: string };
    expect(bob.taskId).not.toBe(alice.taskId);
  });

  it("forgets a key once it has expired", async () => {
    const first = (await (await deploy("expiring")).json()) as { taskId: string };
    const { db, schema } = api.t.testDb.database;
    await db.update(schema.idempotencyKeys).set({ expiresAt: new Date(Date.now() - 1000) });
    const second = (await (await deploy("expiring")).json()) as { taskId: string };
    expect(second.taskId).not.toBe(first.taskId);
  });

  it("keeps a refused answer too, so a repeat gets the same refusal", async () => {
    const bad = { ...body, envId: "env_00000000000000000000000000" };
    const first = await deploy("refused-1", bad);
    expect(first.status).toBe(422);
    const again = await deploy("refused-1", bad);
    expect(again.status).toBe(422);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("refuses a malformed key", async () => {
    const res = await deploy("bad key with spaces");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_idempotency_key" });
  });

  it("runs requests without a key every time", async () => {
    const a = (await (
      await api.as("operator")("/api/db/azure-sql/billing/backup", { method: "POST" })
    ).json()) as { taskId: string };
    const b = (await (
      await api.as("operator")("/api/db/azure-sql/billing/backup", { method: "POST" })
    ).json()) as { taskId: string };
    expect(a.taskId).not.toBe(b.taskId);
  });

  it("answers a retry after a 500 with the task the failed request had already created", async () => {
    const submit = api.deps.tasks.submit;
    let failedOnce = false;
    // The task commits, then the request dies before answering (a crash or a lost connection).
    api.deps.tasks.submit = async (input) => {
      const result = await submit(input);
      if (!failedOnce) {
        failedOnce = true;
        throw new Error("connection lost after the commit");
      }
      return result;
    };
    try {
      const before = await countTasks();
      const first = await deploy("after-500");
      expect(first.status).toBe(500);
      const retry = await deploy("after-500");
      expect(retry.status).toBe(202);
      const { taskId } = (await retry.json()) as { taskId: string };
      expect(await countTasks()).toBe(before + 1);
      const created = (await api.t.stores.tasks.list({ limit: 1 })).items[0];
      expect(taskId).toBe(created?.id);
      const replay = await deploy("after-500");
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(await replay.json()).toEqual({ taskId });
    } finally {
      api.deps.tasks.submit = submit;
    }
  });

  it("takes over a claim whose API process died once its short lease has run out", async () => {
    const first = (await (await deploy("crashed-claim")).json()) as { taskId: string };
    const before = await countTasks();
    // What a process that died mid-request leaves behind: a claim with no answer, its lease run out,
    // the key itself still valid for IDEMPOTENCY_TTL_HOURS.
    const { db, schema } = api.t.testDb.database;
    await db
      .update(schema.idempotencyKeys)
      .set({ statusCode: null, response: null, lockedUntil: new Date(Date.now() - 1000) })
      .where(like(schema.idempotencyKeys.key, "%:crashed-claim"));
    const retry = await deploy("crashed-claim");
    expect(retry.status).toBe(202);
    expect(await retry.json()).toEqual(first);
    expect(await countTasks()).toBe(before);
  });

  it("replays a 204 answer of a DELETE", async () => {
    const env = await api.t.stores.environments.create(
      (await api.t.stores.projects.create({ name: `gone-${dialect}` })).id,
      { name: "dev", type: "dev" },
    );
    const remove = () =>
      api.as("admin", "alice")(`/api/projects/${env.projectId}/environments/${env.id}`, {
        method: "DELETE",
        headers: { "idempotency-key": "delete-env-1" },
      });
    const first = await remove();
    expect(first.status).toBe(204);
    const again = await remove();
    expect(again.status).toBe(204);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe("");
  });
});
