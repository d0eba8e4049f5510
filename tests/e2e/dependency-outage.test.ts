import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PrivateRedis, startPrivateRedis } from "../support/private-redis";
import { type AppProcess, startAppProcess } from "../support/process";
import { type PrivatePostgres, startPrivatePostgres } from "../support/restartable-postgres";
import { onPath, type ScaledOut, startScaledOut, waitFor } from "../support/scaled-out";

const inCi = process.env.CI === "true";

interface Answer {
  status: number;
  ms: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** One request, timed; the body parsed when it is JSON. */
async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(url, init);
  const text = await res.text();
  const ms = Date.now() - started;
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, ms, body, headers: res.headers };
}

/**
 * Each answer is 503 dependency_unavailable naming `dependency`, /api/health says degraded naming it,
 * /health/live stays 200; prints how long each request took.
 */
async function expectDegraded(
  base: string,
  answers: Record<string, Answer>,
  dependency: "redis" | "database",
): Promise<void> {
  for (const answer of Object.values(answers)) expectUnavailable(answer, dependency);
  const health = await call(`${base}/api/health`);
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: "degraded", failing: [dependency] });
  expect((await call(`${base}/health/live`)).status).toBe(200);
  console.info(
    `${dependency} down: ${Object.entries({ ...answers, health })
      .map(([name, a]) => `${name} ${a.status} in ${a.ms} ms`)
      .join(", ")}`,
  );
}

function expectUnavailable(answer: Answer, dependency: "redis" | "database"): void {
  expect(answer.status).toBe(503);
  expect(answer.headers.get("content-type")).toContain("application/problem+json");
  expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(answer.body).toMatchObject({ code: "dependency_unavailable", status: 503, dependency });
}

/**
 * Issue 14 item 2: with Redis down the request paths answer 503 dependency_unavailable at once
 * (the test's timeouts are generous; the times are printed, not asserted), and a submit refused
 * this way creates no task, not even once Redis is back.
 */
describe.skipIf(!inCi && !onPath("redis-server"))("Redis down (scaled out)", () => {
  let redis: PrivateRedis;
  let shape: ScaledOut;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    shape = await startScaledOut({ redisUrl: redis.url, maxConcurrentSessions: 4, stepDelayMs: 1500 });
  }, 240_000);
  afterAll(async () => {
    await shape?.stop();
    await redis?.destroy();
  }, 60_000);

  it("answers 503 dependency_unavailable with Retry-After, creates nothing, and recovers when Redis returns", async () => {
    const api = shape.api.url;
    const running = await shape.restart("prod", "api");
    const queued = await shape.restart("prod", "api");
    await waitFor("the first task to run", 60_000, async () => {
      const row = await shape.stores.tasks.get(running.id);
      return row?.status === "running";
    });
    await redis.stop();

    const submit = (key: string) =>
      call(`${api}/api/k8s/workloads/prod/web:restart`, {
        method: "POST",
        headers: { "idempotency-key": key },
      });
    const answers = {
      submit: await submit("outage-1"),
      getQueuedTask: await call(`${api}/api/tasks/${queued.id}`),
      queue: await call(`${api}/api/queue`),
      cancel: await call(`${api}/api/tasks/${queued.id}/cancel`, { method: "POST" }),
    };
    // A client that gives up early: whatever it was told, no task may appear later.
    await fetch(`${api}/api/k8s/workloads/prod/web:restart`, {
      method: "POST",
      signal: AbortSignal.timeout(200),
    }).catch(() => undefined);
    await expectDegraded(api, answers, "redis");
    expect((await shape.stores.tasks.list({ entityId: "prod/web" })).items).toEqual([]);

    // Redis comes back (empty: no persistence). The queued and running tasks finish; the refused
    // submissions never turn into tasks, and the released key can be used again.
    await redis.start();
    await waitFor(
      "/api/health to be ok again",
      60_000,
      async () => (await call(`${api}/api/health`)).status === 200,
    );
    for (const task of [running, queued]) {
      await waitFor(`task ${task.id} to finish`, 120_000, async () => {
        const row = await shape.stores.tasks.get(task.id);
        return row && ["succeeded", "failed", "cancelled"].includes(row.status) ? row : null;
      });
    }
    expect((await shape.stores.tasks.get(running.id))?.status).toBe("succeeded");
    expect((await shape.stores.tasks.get(queued.id))?.status).toBe("succeeded");
    expect((await shape.stores.tasks.list({ entityId: "prod/web" })).items).toEqual([]);
    const again = await submit("outage-1");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect((await shape.stores.tasks.list({ entityId: "prod/web" })).items).toHaveLength(1);
  }, 400_000);

  it("answers 503 within the request timeout while Redis hangs (connections open, no answers)", async () => {
    const api = shape.api.url;
    redis.freeze();
    let answers: Record<string, Answer>;
    try {
      answers = {
        submit: await call(`${api}/api/k8s/workloads/prod/worker:restart`, { method: "POST" }),
        queue: await call(`${api}/api/queue`),
      };
      await expectDegraded(api, answers, "redis");
    } finally {
      redis.thaw();
    }
    await waitFor(
      "/api/health to be ok again",
      60_000,
      async () => (await call(`${api}/api/health`)).status === 200,
    );
    expect((await shape.stores.tasks.list({ entityId: "prod/worker" })).items).toEqual([]);
  }, 120_000);
});

/** PostgreSQL down: the same 503 (it was a fast 500 internal_error), and service again once it returns. */
describe.skipIf(!inCi && !onPath("initdb"))("PostgreSQL down", () => {
  let database: PrivatePostgres;
  let app: AppProcess;

  beforeAll(async () => {
    database = await startPrivatePostgres();
    app = await startAppProcess(
      { DATABASE_URL: database.url, DEMO_STEP_DELAY_MS: "20", LOG_LEVEL: "warn" },
      120_000,
    );
  }, 240_000);
  afterAll(async () => {
    app?.child.kill("SIGKILL");
    await app?.exited;
    await database?.destroy();
  }, 60_000);

  it("answers 503 dependency_unavailable with Retry-After while the database is down, then serves again", async () => {
    const url = app.url;
    await database.stop();
    const answers = {
      submit: await call(`${url}/api/k8s/workloads/prod/web:restart`, {
        method: "POST",
        headers: { "idempotency-key": "pg-outage-1" },
      }),
      list: await call(`${url}/api/tasks`),
      getTask: await call(`${url}/api/tasks/tsk_01jd2x5k8m0000abcdefghjkmn`),
    };
    await expectDegraded(url, answers, "database");

    await database.start();
    await waitFor(
      "/api/health to be ok again",
      60_000,
      async () => (await call(`${url}/api/health`)).status === 200,
    );
    const list = await call(`${url}/api/tasks?entityId=prod/web`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    const again = await call(`${url}/api/k8s/workloads/prod/web:restart`, {
      method: "POST",
      headers: { "idempotency-key": "pg-outage-1" },
    });
    expect(again.status).toBe(202);
  }, 300_000);
});
