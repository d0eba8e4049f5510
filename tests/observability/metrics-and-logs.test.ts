import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "../../compose";
import { loadConfig } from "../../config";
import type { TaskDetail } from "../../contracts/tasks";
import type { LogFields, Logger } from "../../platform/logger";
import { type FakeConnector, startFakeConnector } from "../support/fake-connector";
import { scrape } from "../support/prometheus";
import { sendTaskCommand } from "../support/teams-command";

// The whole process in demo mode (memory queue, SQLite): no service needed, so it runs in every `npm test`.

interface Entry {
  level: string;
  msg: string;
  fields: LogFields;
}

/** A logger that keeps its entries, as the JSON lines would carry them. */
function recordingLogger(entries: Entry[], bindings: LogFields = {}): Logger {
  const at =
    (level: string) =>
    (msg: string, fields: LogFields = {}) =>
      entries.push({ level, msg, fields: { ...bindings, ...fields } });
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

const TOKEN = "metrics-token-for-the-suite";

describe("GET /metrics, request logs and failure logs", () => {
  const entries: Entry[] = [];
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  let connector: FakeConnector;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "cloudops-metrics-"));
    connector = await startFakeConnector();
    const config = loadConfig({
      DATA_DIR: dataDir,
      // Long enough that three queued restarts of one workload are still in line when the next scrape runs.
      DEMO_STEP_DELAY_MS: "1000",
      SHUTDOWN_GRACE_MS: "200",
      METRICS_TOKEN: TOKEN,
      TRACE_URL_TEMPLATE: "https://grafana.example.com/explore?traceId={traceId}",
    });
    runtime = await createRuntime({ ...config, port: 0, host: "127.0.0.1" }, recordingLogger(entries));
    url = `http://127.0.0.1:${await runtime.start()}`;
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await connector?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function finished(taskId: string, timeoutMs = 30_000): Promise<TaskDetail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const detail = (await (await fetch(`${url}/api/tasks/${taskId}`)).json()) as TaskDetail;
      if (["succeeded", "failed", "cancelled"].includes(detail.status)) return detail;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${detail.status}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    return { res, body: (await res.json()) as { taskId: string } };
  }

  async function deployTarget(): Promise<{ projectId: string; envId: string }> {
    const projects = (await (await fetch(`${url}/api/projects`)).json()) as { items: Array<{ id: string }> };
    const projectId = projects.items[0]?.id ?? "";
    const envs = (await (await fetch(`${url}/api/projects/${projectId}/environments`)).json()) as {
      items: Array<{ id: string }>;
    };
    return { projectId, envId: envs.items[0]?.id ?? "" };
  }

  it("asks for METRICS_TOKEN with a problem+json 401 and serves the Prometheus text with it", async () => {
    const without = await fetch(`${url}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get("content-type")).toContain("application/problem+json");
    expect(((await without.json()) as { code: string }).code).toBe("metrics_token_required");
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);

    const page = await scrape(url, auth);
    const types = Object.fromEntries(page.families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      process_cpu_seconds_total: "COUNTER",
      process_resident_memory_bytes: "GAUGE",
      nodejs_eventloop_delay_seconds: "GAUGE",
      cloudops_queue_depth: "GAUGE",
      cloudops_fifo_lanes: "GAUGE",
      cloudops_oldest_waiting_task_age_seconds: "GAUGE",
      cloudops_dead_letters_open: "GAUGE",
      cloudops_notification_outbox: "GAUGE",
    });
  });

  it("shows queued work by state while one entity's tasks wait in line, and counts them as they finish", async () => {
    const before = await scrape(url, auth);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { res, body } = await post("/api/k8s/workloads/prod/api:restart", {});
      expect(res.status).toBe(202);
      ids.push(body.taskId);
    }
    const during = await scrape(url, auth);
    const memory = { engine: "memory" };
    const waiting = during.value("cloudops_queue_depth", { ...memory, state: "waiting" });
    const active = during.value("cloudops_queue_depth", { ...memory, state: "active" });
    expect(waiting + active).toBe(3); // one lane, one at a time: the rest wait behind it
    expect(waiting).toBeGreaterThanOrEqual(2);
    expect(during.value("cloudops_fifo_lanes", memory)).toBe(1);
    expect(during.value("cloudops_oldest_waiting_task_age_seconds")).toBeGreaterThan(0);

    for (const id of ids) expect((await finished(id)).status).toBe("succeeded");
    const after = await scrape(url, auth);
    const restart = { type: "k8s.restart" };
    expect(after.value("cloudops_tasks_submitted_total", restart)).toBe(
      before.value("cloudops_tasks_submitted_total", restart) + 3,
    );
    expect(after.value("cloudops_tasks_finished_total", { ...restart, status: "succeeded" })).toBe(
      before.value("cloudops_tasks_finished_total", { ...restart, status: "succeeded" }) + 3,
    );
    expect(after.value("cloudops_queue_depth", { ...memory, state: "waiting" })).toBe(0);
    expect(after.value("cloudops_fifo_lanes", memory)).toBe(0);
  }, 60_000);

  it("logs one line per request with its route template and no body, and shows the correlation id and trace link", async () => {
    const { res, body } = await post(
      "/api/k8s/workloads/prod/web:restart",
      {},
      { "x-correlation-id": "teams:1700000123" },
    );
    const requestId = res.headers.get("x-request-id");
    const line = entries.find((e) => e.msg === "http request" && e.fields.requestId === requestId);
    expect(line?.level).toBe("info");
    expect(line?.fields).toMatchObject({
      method: "POST",
      route: "/api/k8s/workloads/:ns/:target{[^/]+:restart}",
      status: 202,
      userId: "demo",
    });
    expect(typeof line?.fields.durationMs).toBe("number");
    expect(Object.keys(line?.fields ?? {})).not.toContain("body");

    const detail = await finished(body.taskId);
    expect(detail.correlationId).toBe("teams:1700000123");
    // No tracing SDK runs in this process: no trace id, so no link either.
    expect(detail.traceId).toBeNull();
    expect(detail.traceUrl).toBeNull();

    await fetch(`${url}/api/tasks/no-such-task-${Date.now()}/nothing/here`);
    const unmatched = entries.filter((e) => e.msg === "http request" && e.fields.status === 404).at(-1);
    expect(unmatched?.fields.route).toBe("unmatched");
  }, 60_000);

  it("logs a warning per failed attempt and an error per dead letter, with the task's fields", async () => {
    const before = await scrape(url, auth);
    const target = await deployTarget();
    const { res, body } = await post("/api/deployments", {
      ...target,
      templateId: "web-app",
      failAt: "plan",
      failPermanently: true,
    });
    expect(res.status).toBe(202);
    const detail = await finished(body.taskId);
    expect(detail.status).toBe("failed");

    const about = entries.filter((e) => e.fields.taskId === body.taskId);
    const taskFields = { type: "deploy", entity: detail.entityId, attempt: 1, errorCode: "injected_failure" };
    const warning = about.find((e) => e.msg === "task attempt failed");
    expect(warning?.level).toBe("warn");
    expect(warning?.fields).toMatchObject({
      ...taskFields,
      step: "plan",
      willRetry: false,
      correlationId: detail.correlationId,
    });
    expect(warning?.fields).toHaveProperty("traceId");
    const dead = about.find((e) => e.msg === "task dead-lettered");
    expect(dead?.level).toBe("error");
    expect(dead?.fields).toMatchObject({ ...taskFields, reason: "permanent_error" });

    const after = await scrape(url, auth);
    expect(after.value("cloudops_dead_letters_open")).toBe(before.value("cloudops_dead_letters_open") + 1);
    expect(
      after.value("cloudops_task_attempts_failed_total", { type: "deploy", code: "injected_failure" }),
    ).toBe(
      before.value("cloudops_task_attempts_failed_total", { type: "deploy", code: "injected_failure" }) + 1,
    );
    expect(
      after.count("cloudops_step_duration_seconds", { type: "deploy", step: "plan", status: "failed" }),
    ).toBe(
      before.count("cloudops_step_duration_seconds", { type: "deploy", step: "plan", status: "failed" }) + 1,
    );
  }, 60_000);

  it("logs one line per bot turn without the message text, and counts turns and card updates", async () => {
    const before = await scrape(url, auth);
    // Teams throttles the first card update beyond the connector client's own three retries.
    connector.failUpdates(4, 429, 0);
    const { activity, taskId } = await sendTaskCommand(
      url,
      connector,
      "19:metrics@thread.tacv2",
      "restart prod/worker",
    );
    const detail = await finished(taskId);
    expect(detail.correlationId).toBe(activity.id);

    const turn = entries.find((e) => e.msg === "bot turn" && e.fields.activityId === activity.id);
    expect(turn?.level).toBe("info");
    expect(turn?.fields).toMatchObject({ type: "message", status: 200, userId: activity.from.aadObjectId });
    expect(JSON.stringify(turn)).not.toContain("restart prod/worker");

    // The card is updated in place as the task runs; the count moves once the connector has answered.
    const sent = { outcome: "sent" };
    const deadline = Date.now() + 30_000;
    let after = await scrape(url, auth);
    while (
      after.value("cloudops_card_updates_total", sent) <= before.value("cloudops_card_updates_total", sent)
    ) {
      if (Date.now() > deadline) throw new Error("no card update was counted");
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape(url, auth);
    }
    expect(connector.calls.some((c) => c.method === "PUT")).toBe(true);
    expect(after.value("cloudops_card_updates_total", { outcome: "throttled" })).toBe(
      before.value("cloudops_card_updates_total", { outcome: "throttled" }) + 1,
    );
    const turns = { kind: "message", outcome: "ok" };
    expect(after.value("cloudops_bot_turns_total", turns)).toBe(
      before.value("cloudops_bot_turns_total", turns) + 1,
    );
  }, 60_000);
});
