import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";

type Json = Record<string, unknown>;

describe("task endpoints (no worker: tasks wait in the queue)", () => {
  let api: TestApi;
  let projectId: string;
  let envId: string;

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000" } });
    const seeded = await seedProject(api);
    projectId = seeded.project.id;
    envId = seeded.env.id;
  });
  afterAll(async () => api?.close());

  const op = () => api.as("operator", "otto");
  const post = async (path: string, body?: unknown) => {
    const res = await op()(path, { method: "POST", body });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    expect(res.headers.get("location")).toBe(`/api/tasks/${taskId}`);
    return taskId;
  };
  const get = async (path: string) => (await (await op()(path)).json()) as Json;

  it("creates each kind of task with its entity and payload", async () => {
    const backup = await post("/api/db/azure-postgres/orders/backup");
    const restart = await post("/api/k8s/workloads/shop/web:restart");
    const deploy = await post("/api/deployments", {
      projectId,
      envId,
      templateId: "api-service",
      params: { tag: "1.2" },
    });
    const sandbox = await post("/api/sandboxes", { projectId, ttlMinutes: 30 });
    expect(await get(`/api/tasks/${backup}`)).toMatchObject({
      type: "db.backup",
      entityId: "azure-postgres/orders",
      payload: { engine: "azure-postgres", instanceId: "orders" },
      requestedBy: "otto",
      source: "api",
      status: "queued",
    });
    expect(await get(`/api/tasks/${restart}`)).toMatchObject({
      type: "k8s.restart",
      entityId: "shop/web",
      payload: { namespace: "shop", name: "web" },
    });
    expect(await get(`/api/tasks/${deploy}`)).toMatchObject({
      type: "deploy",
      entityId: envId,
      projectId,
      payload: { projectId, envId, templateId: "api-service", params: { tag: "1.2" } },
    });
    const sb = await get(`/api/tasks/${sandbox}`);
    const payload = sb.payload as Json;
    expect(sb).toMatchObject({ type: "sandbox.create", projectId });
    expect(payload.environmentId).toBe(sb.entityId);
    expect(payload).toMatchObject({ projectId, ttlMinutes: 30, name: expect.stringMatching(/^sbx-/) });
  });

  it("answers a task with its steps, last log lines and queue position", async () => {
    const first = await post("/api/db/azure-sql/queue-demo/backup");
    const second = await post("/api/db/azure-sql/queue-demo/backup");
    const detail = await get(`/api/tasks/${second}`);
    expect(detail.queuePosition).toBe(1);
    expect((await get(`/api/tasks/${first}`)).queuePosition).toBe(0);
    expect(detail.steps).toEqual([
      {
        index: 0,
        name: "prepare",
        status: "pending",
        percent: 0,
        message: null,
        startedAt: null,
        finishedAt: null,
      },
      {
        index: 1,
        name: "stream to storage",
        status: "pending",
        percent: 0,
        message: null,
        startedAt: null,
        finishedAt: null,
      },
    ]);
    expect(detail.logs).toEqual([]);
    expect(Object.keys(detail)).not.toContain("conversationRef");
  });

  it("lists tasks newest first with filters and a cursor that walks every page once", async () => {
    for (let i = 0; i < 5; i++) await post("/api/db/azure-sql/paged/backup");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        `/api/tasks?entityId=azure-sql/paged&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      const items = page.items as Array<{ id: string; entityId: string }>;
      expect(items.length).toBeLessThanOrEqual(2);
      for (const t of items) expect(t.entityId).toBe("azure-sql/paged");
      seen.push(...items.map((t) => t.id));
      cursor = page.nextCursor as string | null;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort().reverse()).toEqual(seen);
    const byType = (await get("/api/tasks?type=k8s.restart")).items as Array<{ type: string }>;
    expect(byType.length).toBeGreaterThan(0);
    expect(byType.every((t) => t.type === "k8s.restart")).toBe(true);
    expect((await op()("/api/tasks?status=exploded")).status).toBe(400);
    // A cursor no page handed out: the same problem on every cursor-paged list.
    for (const list of ["/api/tasks", "/api/dlq"]) {
      const res = await op()(`${list}?cursor=garbage`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe("invalid_cursor");
    }
    expect((await op()("/api/tasks?limit=201")).status).toBe(400);
  });

  it("cancels a queued task, and refuses to cancel it twice", async () => {
    const id = await post("/api/db/azure-sql/cancel-me/backup");
    const res = await op()(`/api/tasks/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ taskId: id, outcome: "cancelled" });
    expect((await get(`/api/tasks/${id}`)).status).toBe("cancelled");
    const again = await op()(`/api/tasks/${id}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "task_not_cancellable" });
  });

  it("retries a failed task and refuses to retry one that has not failed", async () => {
    const id = await post("/api/db/azure-sql/retry-me/backup");
    const notFailed = await op()(`/api/tasks/${id}/retry`, { method: "POST" });
    expect(notFailed.status).toBe(409);
    expect(await notFailed.json()).toMatchObject({ code: "task_not_retryable" });
    await api.t.engine.tasks.cancel(id).catch(() => undefined);
    const failed = await post("/api/db/azure-sql/retry-me-2/backup");
    await api.t.stores.tasks.transition(failed, "running");
    await api.t.stores.tasks.transition(failed, "failed", { error: { code: "boom", message: "boom" } });
    const res = await op()(`/api/tasks/${failed}/retry`, { method: "POST", body: { fromScratch: true } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ taskId: failed });
    expect(await get(`/api/tasks/${failed}`)).toMatchObject({ status: "queued", error: null });
  });

  it("answers with the task itself under Prefer: return=representation, as GET shows it", async () => {
    const ask = (path: string, prefer?: string, body?: unknown) =>
      op()(path, { method: "POST", body, headers: prefer ? { prefer } : {} });
    const first = await ask("/api/k8s/workloads/shop/prefer:restart");
    const second = await ask(
      "/api/k8s/workloads/shop/prefer:restart",
      "respond-async, return=representation",
    );
    expect(second.status).toBe(202);
    expect(second.headers.get("preference-applied")).toBe("return=representation");
    expect(second.headers.get("vary")).toContain("Prefer");
    const { taskId, task } = (await second.json()) as { taskId: string; task: Json };
    expect(second.headers.get("location")).toBe(`/api/tasks/${taskId}`);
    // The second task of the workload waits behind the first: the answer knows its place in line.
    expect(task).toMatchObject({ id: taskId, status: "queued", entityId: "shop/prefer", queuePosition: 1 });
    expect(task).toEqual(await get(`/api/tasks/${taskId}`));

    // Without the preference, or with another one, the answer is the id alone.
    expect(first.headers.get("preference-applied")).toBeNull();
    expect(Object.keys((await first.json()) as Json)).toEqual(["taskId"]);
    const minimal = await ask("/api/db/azure-sql/prefer/backup", "return=minimal");
    expect(minimal.headers.get("preference-applied")).toBeNull();
    expect(Object.keys((await minimal.json()) as Json)).toEqual(["taskId"]);

    // Every route that queues a task honours it, the retry of a failed task among them.
    const failed = await post("/api/db/azure-sql/prefer-retry/backup");
    await api.t.stores.tasks.transition(failed, "running");
    await api.t.stores.tasks.transition(failed, "failed", { error: { code: "boom", message: "boom" } });
    const retried = await ask(`/api/tasks/${failed}/retry`, '"return=representation"', {});
    expect(await retried.json()).toMatchObject({ taskId: failed, task: { id: failed, status: "queued" } });
  });

  it("serves a task's log lines after a given seq", async () => {
    const id = await post("/api/db/azure-sql/logs/backup");
    for (const m of ["one", "two", "three"]) await api.t.engine.journal.log(id, m);
    const all = (await get(`/api/tasks/${id}/logs`)).items as Array<{ seq: number; message: string }>;
    expect(all.map((l) => l.message)).toEqual(["one", "two", "three"]);
    const after = (await get(`/api/tasks/${id}/logs?afterSeq=${all[0]?.seq}`)).items as Array<{
      message: string;
    }>;
    expect(after.map((l) => l.message)).toEqual(["two", "three"]);
    expect((await op()("/api/tasks/tsk_01jd2x5k8m0000abcdefghjkmn/logs")).status).toBe(404);
  });

  it("records where the bot's card for a task lives", async () => {
    const id = await post("/api/db/azure-sql/origin/backup");
    const res = await op()(`/api/tasks/${id}/origin`, {
      method: "PUT",
      body: { conversationRef: { conversation: { id: "19:abc" } }, cardActivityId: "card-1" },
    });
    expect(res.status).toBe(200);
    const row = await api.t.stores.tasks.get(id);
    expect(row).toMatchObject({
      cardActivityId: "card-1",
      conversationRef: { conversation: { id: "19:abc" } },
    });
  });

  it("points from /api/tasks/stream/{id} to the SSE route", async () => {
    const id = await post("/api/db/azure-sql/stream-doc/backup");
    const res = await op()(`/api/tasks/stream/${id}`);
    expect(res.headers.get("link")).toContain(`/api/tasks/${id}/sse`);
    expect(await res.json()).toMatchObject({
      transport: "sse",
      url: `/api/tasks/${id}/sse`,
      allTasksUrl: "/api/tasks/sse",
    });
  });

  it("shows queue depth and the running task per entity", async () => {
    const q = await get("/api/queue");
    expect(q.engine).toBe("memory");
    const entities = q.entities as Array<{ entityId: string; depth: number; pendingTaskIds: string[] }>;
    const demo = entities.find((e) => e.entityId === "azure-sql/queue-demo");
    expect(demo?.depth).toBe(2);
    expect(q.depth).toBe(entities.reduce((n, e) => n + e.depth, 0));
    expect((q.tasksByStatus as Record<string, number>).queued).toBeGreaterThan(0);
  });
});

describe("dead letters", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  const failedLetter = async (instance: string) => {
    const { task } = await api.t.engine.tasks.submit({
      type: "db.backup",
      entityId: `azure-sql/${instance}`,
      payload: { engine: "azure-sql", instanceId: instance },
      requestedBy: "t",
      source: "api",
    });
    await api.t.stores.tasks.transition(task.id, "running");
    await api.t.stores.tasks.transition(task.id, "failed", { error: { code: "boom", message: "boom" } });
    return api.t.stores.deadLetters.create({
      taskId: task.id,
      taskType: task.type,
      entityId: task.entityId,
      reason: "attempts_exhausted",
      attempts: 3,
      lastError: "boom",
    });
  };

  it("lists open dead letters and lets an operator retry one", async () => {
    const letter = await failedLetter("dl-retry");
    const list = (await (await api.as("viewer")("/api/dlq?status=open")).json()) as {
      items: Array<{ id: string }>;
    };
    expect(list.items.map((l) => l.id)).toContain(letter.id);
    const res = await api.as("operator", "otto")(`/api/dlq/${letter.id}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ taskId: letter.taskId });
    expect(await api.t.stores.deadLetters.get(letter.id)).toMatchObject({
      status: "retried",
      resolvedBy: "otto",
    });
    expect((await api.t.stores.tasks.get(letter.taskId))?.status).toBe("queued");
  });

  it("lets an admin skip one, once", async () => {
    const letter = await failedLetter("dl-skip");
    const res = await api.as("admin", "ada")(`/api/dlq/${letter.id}/skip`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: letter.id, status: "skipped", resolvedBy: "ada" });
    const again = await api.as("admin")(`/api/dlq/${letter.id}/skip`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "dead_letter_resolved" });
  });

  it("answers 404 for an unknown dead letter", async () => {
    const res = await api.as("admin")("/api/dlq/dlq_01jd2x5k8m0000abcdefghjkmn/skip", { method: "POST" });
    expect(res.status).toBe(404);
  });
});
