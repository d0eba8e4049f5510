import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "../../platform/dependency";
import { createTestApi, type TestApi } from "../support/api-harness";
import { dialectsUnderTest } from "../support/databases";

/**
 * A submit whose queue publish fails because the broker is down (the part of issue 14 item 2 that the
 * outage tests cannot reach, since the rate limiter meets the dead Redis first): the task row was
 * already committed, so it must be discarded in the same request, and the Idempotency-Key freed.
 */
describe.each(dialectsUnderTest())("a submit while the queue's broker is down (%s)", (dialect) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi({ engine: { dialect }, env: { RATE_LIMIT_PER_MINUTE: "1000" } });
  });
  afterAll(async () => api?.close());

  const restart = (key: string) =>
    api.as("operator", "alice")("/api/k8s/workloads/prod/web:restart", {
      method: "POST",
      headers: { "idempotency-key": key },
    });
  const tasksOfWeb = async () => (await api.t.stores.tasks.list({ entityId: "prod/web" })).items;

  it("answers 503 dependency_unavailable, keeps no task, and frees the key for the retry", async () => {
    const queue = api.t.engine.queue;
    const enqueue = queue.enqueue;
    let attempts = 0;
    queue.enqueue = async () => {
      attempts++;
      throw new DependencyUnavailableError("redis");
    };
    let refused: Response;
    try {
      refused = await restart("broker-down-1");
    } finally {
      queue.enqueue = enqueue;
    }
    expect(attempts).toBe(1);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: "dependency_unavailable", dependency: "redis" });
    expect(await tasksOfWeb()).toEqual([]);

    const retried = await restart("broker-down-1");
    expect(retried.status).toBe(202);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    const { taskId } = (await retried.json()) as { taskId: string };
    expect((await tasksOfWeb()).map((t) => t.id)).toEqual([taskId]);
    expect(await queue.has(taskId)).toBe(true);
  });

  it("answers 202 with the id alone when the queued task's place in line cannot be read for Prefer", async () => {
    const tasks = api.t.engine.tasks;
    const positionOf = tasks.positionOf;
    tasks.positionOf = async () => {
      throw new DependencyUnavailableError("redis");
    };
    let res: Response;
    try {
      res = await api.as("operator", "alice")("/api/k8s/workloads/prod/position:restart", {
        method: "POST",
        headers: { prefer: "return=representation" },
      });
    } finally {
      tasks.positionOf = positionOf;
    }
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBeNull();
    const body = (await res.json()) as { taskId: string };
    expect(Object.keys(body)).toEqual(["taskId"]);
    expect(await api.t.stores.tasks.get(body.taskId)).toMatchObject({ status: "queued" });
    expect(await api.t.engine.queue.has(body.taskId)).toBe(true);
  });
});
