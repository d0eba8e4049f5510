import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "../../compose";
import { loadConfig } from "../../config";
import type { TaskDetail } from "../../contracts/tasks";
import { stepsOf } from "../../domain/model/task-types";
import { createLogger } from "../../platform/logger";
import { fifoKeys } from "../../worker/queue/bullmq/keys";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { type FakeConnector, startFakeConnector } from "../support/fake-connector";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver";
import { type AppProcess, startAppProcess } from "../support/process";
import { scrape } from "../support/prometheus";
import { deleteRedisKeys } from "../support/redis-keys";
import { postgresUrl, redisUrl, uniqueSuffix } from "../support/services";
import { sendTaskCommand } from "../support/teams-command";
import { startTraceCollector, type TraceCollector } from "../support/trace-collector";

// Three processes' worth of CloudOps: an API runtime and a bot runtime in this process (spans to an
// in-memory exporter) and a worker child process (spans to a local OTLP/HTTP receiver), sharing
// PostgreSQL and BullMQ on Redis. One front-door action must come out as one connected trace.

const FRONT = "cloudops-front";
const WORKER = "cloudops-worker";
const RESTART_STEPS = stepsOf("k8s.restart");

const one = (spans: ReceivedSpan[], predicate: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
  const found = spans.filter(predicate);
  if (found.length !== 1) {
    throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((s) => s.name).join(", ")}`);
  }
  return found[0] as ReceivedSpan;
};

/**
 * Every step ran in the worker and called the cluster adapter, and the task span is in. The worker
 * exports in batches and the task span ends last, so the steps can arrive a batch before it.
 */
const workerDone = (spans: ReceivedSpan[]) =>
  RESTART_STEPS.every((name) => spans.some((s) => s.name === `step ${name}`)) &&
  spans.some((s) => s.name === "k8s.rolloutStatus") &&
  spans.some((s) => s.name === "task k8s.restart");

describe.skipIf(!redisUrl || !postgresUrl)("one trace per front-door action, across processes", () => {
  let receiver: OtlpReceiver;
  let collector: TraceCollector;
  let db: TestDatabase;
  let dataDir: string;
  let prefix: string;
  let api: Runtime;
  let apiUrl: string;
  let bot: Runtime;
  let botUrl: string;
  let connector: FakeConnector;
  let worker: AppProcess;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    collector = await startTraceCollector(receiver, FRONT);
    db = await createTestDatabase("postgres");
    dataDir = mkdtempSync(join(tmpdir(), "cloudops-obs-"));
    prefix = `obs_${uniqueSuffix()}`;
    const env = {
      DEMO_MODE: "true",
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl ?? "",
      REDIS_PREFIX: prefix,
      QUEUE_ENGINE: "bullmq",
      INTERNAL_API_TOKEN: "observability-suite-internal-token",
      DEMO_STEP_DELAY_MS: "60",
      SHUTDOWN_GRACE_MS: "200",
      TRACE_URL_TEMPLATE: "https://jaeger.example.com/trace/{traceId}",
    };
    const start = async (more: Record<string, string>) => {
      const config = { ...loadConfig({ ...env, ...more }), port: 0, host: "127.0.0.1" };
      const runtime = await createRuntime(config, createLogger("silent"));
      return { runtime, url: `http://127.0.0.1:${await runtime.start()}` };
    };
    ({ runtime: api, url: apiUrl } = await start({ ROLE: "api" }));
    connector = await startFakeConnector();
    ({ runtime: bot, url: botUrl } = await start({ ROLE: "bot", API_URL: apiUrl }));
    worker = await startAppProcess({
      ...env,
      ROLE: "worker",
      LOG_LEVEL: "warn",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: WORKER,
      // Read by the OpenTelemetry SDK itself, as the README says: shown by the last test below.
      OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=observability-suite",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=observability-suite",
      // Short export intervals: the suite waits on conditions, these only make them come true sooner.
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
    });
  }, 180_000);

  afterAll(async () => {
    worker?.child.kill("SIGTERM");
    await worker?.exited;
    await bot?.stop();
    await api?.stop();
    await connector?.close();
    await collector?.stop();
    await receiver?.close();
    await db?.destroy();
    if (redisUrl) await deleteRedisKeys(redisUrl, prefix);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function finished(taskId: string): Promise<TaskDetail> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const detail = (await (await fetch(`${apiUrl}/api/tasks/${taskId}`)).json()) as TaskDetail;
      if (["succeeded", "failed", "cancelled"].includes(detail.status)) return detail;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${detail.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Restarts prod/<workload> through the API, as any HTTP client would. */
  async function restart(workload: string): Promise<{ res: Response; taskId: string }> {
    const res = await fetch(`${apiUrl}/api/k8s/workloads/prod/${workload}:restart`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(202);
    return { res, taskId: ((await res.json()) as { taskId: string }).taskId };
  }

  /** request → enqueue (this process) → task (worker process) → every step → adapter calls. */
  function expectTaskSubtree(spans: ReceivedSpan[], request: ReceivedSpan, taskId: string) {
    const enqueue = one(spans, (s) => s.name === "task.enqueue", "enqueue span");
    expect(enqueue.parentSpanId).toBe(request.spanId);
    expect(enqueue.attributes["cloudops.task.id"]).toBe(taskId);
    expect(enqueue.service).toBe(FRONT);

    const task = one(spans, (s) => s.name === "task k8s.restart", "task span");
    expect(task.service).toBe(WORKER);
    expect(task.parentSpanId).toBe(enqueue.spanId); // the link across the process boundary
    expect(task.attributes["cloudops.task.id"]).toBe(taskId);

    // The status transactions of the attempt (database writes) hang under the task span.
    const statuses = spans.filter((s) => s.name === "db.task.status" && s.parentSpanId === task.spanId);
    expect(statuses.map((s) => s.attributes["cloudops.task.status"])).toEqual(
      expect.arrayContaining(["running", "succeeded"]),
    );

    const steps = spans.filter((s) => s.name.startsWith("step "));
    expect(steps.map((s) => s.name.slice(5)).sort()).toEqual([...RESTART_STEPS].sort());
    for (const step of steps) {
      expect(step.parentSpanId).toBe(task.spanId);
      expect(step.service).toBe(WORKER);
    }
    const stepIds = new Set(steps.map((s) => s.spanId));
    const adapterCalls = spans.filter((s) => s.name.startsWith("k8s."));
    expect(adapterCalls.map((s) => s.name)).toEqual(
      expect.arrayContaining(["k8s.findWorkload", "k8s.restartWorkload", "k8s.rolloutStatus"]),
    );
    for (const call of adapterCalls) {
      expect(stepIds.has(call.parentSpanId ?? "")).toBe(true);
      expect(call.attributes["cloudops.adapter.simulated"]).toBe(true);
    }
    return { enqueue, task };
  }

  it("exports with the headers and resource attributes of the standard OTEL_* variables", async () => {
    const { taskId } = await restart("web");
    const detail = await finished(taskId);
    const spans = await collector.waitForTrace(detail.traceId ?? "", (all) =>
      all.some((s) => s.name === "task k8s.restart"),
    );
    const task = one(spans, (s) => s.name === "task k8s.restart", "task span");
    expect(task.resource["deployment.environment"]).toBe("observability-suite");
    expect(task.resource["service.name"]).toBe(WORKER);
    // The worker process is the one exporting over OTLP here; every export of it carries the header.
    expect(receiver.traceExportHeaders.length).toBeGreaterThan(0);
    expect(receiver.traceExportHeaders.every((h) => h["x-collector-key"] === "observability-suite")).toBe(
      true,
    );
  }, 120_000);

  it("follows a restart from the API request through BullMQ into the worker process, its steps and its cluster calls", async () => {
    const { res, taskId } = await restart("api");
    const detail = await finished(taskId);
    expect(detail.status).toBe("succeeded");
    expect(detail.correlationId).toBe(res.headers.get("x-request-id"));
    expect(detail.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(detail.traceparent).toContain(detail.traceId);
    expect(detail.traceUrl).toBe(`https://jaeger.example.com/trace/${detail.traceId}`);

    const spans = await collector.waitForTrace(detail.traceId ?? "", workerDone);
    const request = one(spans, (s) => s.name.startsWith("POST /api/k8s/workloads/"), "request span");
    expect(request.parentSpanId).toBeUndefined(); // the trace starts at the front door
    expect(request.attributes["http.response.status_code"]).toBe(202);
    expect(request.attributes["cloudops.request_id"]).toBe(detail.correlationId);
    expectTaskSubtree(spans, request, taskId);
  }, 120_000);

  /**
   * Runs `body` while the worker process takes no job (a BullMQ pause of the deployment's queue). The
   * bot reads the task before it posts its card: on a busy machine the task could finish first, and
   * the card would then be posted in its final state, with no update to follow.
   */
  async function withQueuePaused<T>(body: () => Promise<T>): Promise<T> {
    const keys = fifoKeys(prefix);
    const connection = new Redis(redisUrl ?? "", { maxRetriesPerRequest: null });
    const queue = new Queue(keys.queueName, { connection, prefix: keys.bullPrefix });
    try {
      await queue.pause();
      try {
        return await body();
      } finally {
        await queue.resume();
      }
    } finally {
      await queue.close();
      await connection.quit();
    }
  }

  it("follows a Teams message through the bot turn, the API and the worker to the card update", async () => {
    // The card is posted while the task waits; it must then be updated to the end.
    const { activity, taskId } = await withQueuePaused(() =>
      sendTaskCommand(botUrl, connector, `19:obs-${uniqueSuffix()}@thread.tacv2`, "restart prod/api"),
    );
    const detail = await finished(taskId);
    expect(detail.status).toBe("succeeded");
    expect(detail.correlationId).toBe(activity.id);

    const spans = await collector.waitForTrace(
      detail.traceId ?? "",
      (s) =>
        workerDone(s) &&
        s.some((x) => x.name === "card.update" && x.attributes["cloudops.task.status"] === "succeeded"),
    );
    const inbound = one(spans, (s) => s.name === "POST /api/messages", "bot endpoint span");
    expect(inbound.parentSpanId).toBeUndefined();
    const turn = one(spans, (s) => s.name === "bot.turn message", "bot turn span");
    expect(turn.parentSpanId).toBe(inbound.spanId);
    expect(turn.attributes["cloudops.activity.id"]).toBe(activity.id);
    // The bot's API call carried the turn's traceparent over HTTP.
    const request = one(spans, (s) => s.name.startsWith("POST /api/k8s/workloads/"), "API request span");
    expect(request.parentSpanId).toBe(turn.spanId);
    const { enqueue } = expectTaskSubtree(spans, request, taskId);
    const updates = spans.filter((s) => s.name === "card.update");
    for (const update of updates) {
      expect(update.parentSpanId).toBe(enqueue.spanId);
      expect(update.attributes["cloudops.task.id"]).toBe(taskId);
    }
  }, 120_000);

  it("puts a database backup's tool and artifact store calls under its steps", async () => {
    const res = await fetch(`${apiUrl}/api/db/azure-postgres/orders-db/backup`, { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    const detail = await finished(taskId);
    expect(detail.status).toBe("succeeded");
    // The worker exports in batches: wait for the task span (it ends last) as well as the calls.
    const spans = await collector.waitForTrace(
      detail.traceId ?? "",
      (s) => s.some((x) => x.name === "artifacts.put") && s.some((x) => x.name === "task db.backup"),
    );
    const task = one(spans, (s) => s.name === "task db.backup", "task span");
    const stream = one(spans, (s) => s.name === "step stream to storage", "step span");
    expect(stream.parentSpanId).toBe(task.spanId);
    const backup = one(spans, (s) => s.name === "dbtool.simulated.backup", "database tool span");
    expect(backup.parentSpanId).toBe(stream.spanId);
    expect(backup.attributes["cloudops.adapter.simulated"]).toBe(true);
    // The dump streams into the artifact store from inside the tool call.
    const put = one(spans, (s) => s.name === "artifacts.put", "artifact store span");
    expect([backup.spanId, stream.spanId]).toContain(put.parentSpanId);
    expect(put.service).toBe(WORKER);
  }, 120_000);

  it("counts tasks, steps and requests on GET /metrics of the API and worker processes as a task runs", async () => {
    const workerUrl = worker.url;
    const [apiBefore, workerBefore] = await Promise.all([scrape(apiUrl), scrape(workerUrl)]);
    const { taskId } = await restart("web");
    expect((await finished(taskId)).status).toBe("succeeded");
    const [apiAfter, workerAfter] = await Promise.all([scrape(apiUrl), scrape(workerUrl)]);

    const type = { type: "k8s.restart" };
    expect(apiAfter.value("cloudops_tasks_submitted_total", type)).toBe(
      apiBefore.value("cloudops_tasks_submitted_total", type) + 1,
    );
    const done = { ...type, status: "succeeded" };
    expect(workerAfter.value("cloudops_tasks_finished_total", done)).toBe(
      workerBefore.value("cloudops_tasks_finished_total", done) + 1,
    );
    expect(workerAfter.count("cloudops_task_duration_seconds", done)).toBe(
      workerBefore.count("cloudops_task_duration_seconds", done) + 1,
    );
    for (const step of RESTART_STEPS) {
      const labels = { ...type, step, status: "succeeded" };
      expect(workerAfter.count("cloudops_step_duration_seconds", labels)).toBe(
        workerBefore.count("cloudops_step_duration_seconds", labels) + 1,
      );
    }
    const route = { method: "POST", status: "202" };
    expect(apiAfter.count("cloudops_http_request_duration_seconds", route)).toBeGreaterThan(
      apiBefore.count("cloudops_http_request_duration_seconds", route),
    );
    expect(apiAfter.family("cloudops_queue_depth")?.metrics.map((m) => m.labels)).toEqual(
      expect.arrayContaining([
        { engine: "bullmq", state: "waiting" },
        { engine: "bullmq", state: "active" },
      ]),
    );
    expect(workerAfter.family("process_cpu_seconds_total")?.type).toBe("COUNTER");
    // Every role serves /metrics: the bot process counts the turn of the Teams test above.
    const botPage = await scrape(botUrl);
    expect(
      botPage.value("cloudops_bot_turns_total", { kind: "message", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(botPage.family("cloudops_queue_depth")).toBeUndefined(); // shared-state gauges: API roles only
    // The worker also pushes its metrics over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT is set).
    const deadline = Date.now() + 30_000;
    while (receiver.metricExports === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(receiver.metricExports).toBeGreaterThan(0);
  }, 120_000);
});
