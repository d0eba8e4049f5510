import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskRow } from "../../db/rows";
import { faultFigures } from "../support/fault-metrics";
import { type PrivateRedis, startPrivateRedis } from "../support/private-redis";
import { onPath, type ScaledOut, startScaledOut, waitFor } from "../support/scaled-out";
import { readSse } from "../support/sse-reader";

const inCi = process.env.CI === "true";
const CAP = 4;
const TERMINAL = ["succeeded", "failed", "cancelled"];

/**
 * Issue 14 items 3, 4 and 7 on the scaled-out shape (one ROLE=api, two ROLE=worker child processes,
 * PostgreSQL when DATABASE_URL is set, a private redis-server): a cancel whose pub/sub message never
 * reaches the worker, live streams read from the API while two other processes write the journal, and
 * SIGTERM of a worker with tasks in flight. Figures are printed for docs/reliability.md.
 */
describe.skipIf(!inCi && !onPath("redis-server"))("faults on the scaled-out shape", () => {
  let redis: PrivateRedis;
  let shape: ScaledOut;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    shape = await startScaledOut({
      redisUrl: redis.url,
      maxConcurrentSessions: CAP,
      stepDelayMs: 300,
      env: { SHUTDOWN_GRACE_MS: "1500" },
    });
  }, 240_000);

  afterAll(async () => {
    await shape?.stop();
    await redis?.destroy();
  }, 60_000);

  const status = async (id: string) => (await shape.stores.tasks.get(id))?.status;
  const allFinished = async (tasks: TaskRow[]) =>
    (await Promise.all(tasks.map((t) => status(t.id)))).every((s) => s !== undefined && TERMINAL.includes(s));

  /** Drops every pub/sub connection of the private Redis (the workers' abort subscribers). */
  function killSubscribers(): void {
    execFileSync("redis-cli", ["-p", String(redis.port), "CLIENT", "KILL", "TYPE", "pubsub"], {
      stdio: "ignore",
    });
  }

  it("ends a task cancelled, never succeeded, when the abort message is lost between processes", async () => {
    const task = await shape.restart("prod", "api");
    await waitFor("the restart to run", 60_000, async () => (await status(task.id)) === "running");
    // The abort travels by Redis pub/sub; with the subscribers dropped around the request it is lost,
    // and only the cancel flag in the task row can stop the worker.
    killSubscribers();
    const asked = Date.now();
    const res = await fetch(`${shape.api.url}/api/tasks/${task.id}/cancel`, { method: "POST" });
    killSubscribers();
    expect(res.status).toBeLessThan(300);
    const final = await waitFor("the task to end", 60_000, async () => {
      const s = await status(task.id);
      return s && TERMINAL.includes(s) ? s : null;
    });
    const stoppedIn = Date.now() - asked;
    expect(final).toBe("cancelled");
    const events = await shape.stores.taskEvents.listForTask(task.id, 0, 10_000);
    const statuses = events.flatMap((e) => (e.data.kind === "status" ? [e.data.status] : []));
    expect(statuses).not.toContain("succeeded");
    console.log(
      `[reliability] lost cancel, scaled out: 1 task, ended cancelled, stopped ${stoppedIn} ms after the request`,
    );
  }, 120_000);

  it("streams every event of every task from the API without a gap while two workers write", async () => {
    const workloads = ["api", "web", "worker", "postgres"];
    const tasks: TaskRow[] = [];
    for (let round = 0; round < 3; round++)
      for (const w of workloads) tasks.push(await shape.restart("prod", w));
    // One live stream per task on the API process, opened while the tasks are queued or running.
    const streams = await Promise.all(
      tasks.map(async (task) => {
        const res = await fetch(`${shape.api.url}/api/tasks/${task.id}/sse`);
        expect(res.status).toBe(200);
        return readSse(res).until((e) => e.event === "done");
      }),
    );
    let gaps = 0;
    let missing = 0;
    for (const [i, task] of tasks.entries()) {
      const seen = (streams[i] ?? []).filter((e) => e.event !== "done" && e.id).map((e) => Number(e.id));
      const stored = (await shape.stores.taskEvents.listForTask(task.id, 0, 10_000)).map((e) => e.seq);
      for (const [k, seq] of seen.entries()) if (k > 0 && seq !== (seen[k - 1] ?? 0) + 1) gaps++;
      missing += stored.filter((seq) => !seen.includes(seq)).length;
    }
    const figures = await faultFigures(shape.stores, tasks);
    console.log(
      `[reliability] live streams, scaled out: ${tasks.length} tasks, ${gaps} gaps, ${missing} events missing, ` +
        `${figures.lost} lost, ${figures.duplicated} duplicated, ${figures.orderViolations} order violations`,
    );
    expect({ gaps, missing }).toEqual({ gaps: 0, missing: 0 });
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, orderViolations: 0, sameEntityOverlaps: 0 });
    expect(figures.maxRunning).toBeLessThanOrEqual(CAP);
  }, 240_000);

  it("answers 400 problem+json to a NUL or a lone surrogate on the API process and stores nothing", async () => {
    const before = (await shape.stores.tasks.list({ limit: 1000 })).items.length;
    const bad = [
      fetch(`${shape.api.url}/api/tasks?entityId=%00`),
      fetch(`${shape.api.url}/api/projects`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "nul-test", description: "a\u0000b" }),
      }),
      fetch(`${shape.api.url}/api/projects`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"name":"surrogate-test","description":"x\\ud800y"}',
      }),
    ];
    for (const res of await Promise.all(bad)) {
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe("validation_failed");
    }
    expect((await shape.stores.tasks.list({ limit: 1000 })).items.length).toBe(before);
    expect(await shape.stores.projects.byName("nul-test")).toBeFalsy();
    expect(await shape.stores.projects.byName("surrogate-test")).toBeFalsy();
  }, 60_000);

  // Last: it stops one of the two workers.
  it("loses nothing and keeps order when a worker gets SIGTERM with tasks in flight", async () => {
    const entities: [string, string][] = [
      ["prod", "api"],
      ["prod", "web"],
      ["shop", "web"],
      ["shop", "api"],
    ];
    const tasks: TaskRow[] = [];
    for (let round = 0; round < 4; round++)
      for (const [ns, name] of entities) tasks.push(await shape.restart(ns, name));
    await waitFor("tasks to run on both workers", 60_000, async () => {
      const rows = await Promise.all(tasks.map((t) => shape.stores.tasks.get(t.id)));
      return rows.filter((r) => r?.status === "running").length >= 2;
    });
    const victim = shape.workers[0];
    if (!victim) throw new Error("no worker");
    const signalled = Date.now();
    victim.child.kill("SIGTERM");
    const exit = await victim.exited;
    const exitedIn = Date.now() - signalled;
    await waitFor("every task to finish on the other worker", 240_000, () => allFinished(tasks));
    const recovered = Date.now() - signalled;
    const figures = await faultFigures(shape.stores, tasks);
    console.log(
      `[reliability] SIGTERM of a worker, scaled out: ${tasks.length} tasks, ${figures.lost} lost, ` +
        `${figures.duplicated} duplicated, ${figures.orderViolations} order violations, exit ${exit} after ${exitedIn} ms, ` +
        `all done ${(recovered / 1000).toFixed(1)} s after the signal`,
    );
    expect(exit).toBe(0);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, orderViolations: 0, sameEntityOverlaps: 0 });
    expect(figures.maxRunning).toBeLessThanOrEqual(CAP);
  }, 300_000);
});
