import { type IncomingMessage, request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskEvent } from "../../domain/model/events";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";
import type { TestEngineOptions } from "../support/engine-harness";
import { listen } from "../support/http-server";
import { waitUntil } from "../support/queue-recorder";
import { postgresUrl, redisUrl } from "../support/services";
import { readSse, type SseEvent } from "../support/sse-reader";

const isDone = (e: SseEvent) => e.event === "done";
const seqs = (events: SseEvent[]) => events.filter((e) => e.event !== "done").map((e) => Number(e.id));

// Always on SQLite with ioredis-mock; also on PostgreSQL and real Redis pub/sub when they are configured.
const backends: Array<[string, TestEngineOptions]> = [["SQLite and ioredis-mock", {}]];
if (postgresUrl || redisUrl) {
  backends.push([
    `${postgresUrl ? "PostgreSQL" : "SQLite"} and ${redisUrl ? "Redis" : "ioredis-mock"}`,
    { dialect: postgresUrl ? "postgres" : "sqlite", redisUrl },
  ]);
}

/** A log line of a task no test created, for publishing straight to the bus. */
function logEvent(id: number, seq: number, message: string): TaskEvent {
  return {
    id,
    taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
    seq,
    at: new Date().toISOString(),
    task: { type: "deploy", entityId: "env_x", status: "running" },
    data: { kind: "log", level: "info", message },
  };
}

/** A restart task submitted with no worker running: it stays queued until something moves it. */
async function queuedTask(api: TestApi): Promise<string> {
  const { task } = await api.t.engine.tasks.submit({
    type: "k8s.restart",
    entityId: `shop/web-${Math.random().toString(36).slice(2, 8)}`,
    payload: { namespace: "shop", name: "web" },
    requestedBy: "t",
    source: "api",
  });
  return task.id;
}

describe.each(backends)("task event streams over a real socket (%s)", (_name, engine) => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;
  let body: Record<string, unknown>;

  beforeAll(async () => {
    api = await createTestApi({
      startWorker: true,
      engine,
      env: { RATE_LIMIT_PER_MINUTE: "1000" },
      sse: { heartbeatMs: 100 },
    });
    // A stage environment: these deploys run to the end without waiting for approval.
    const { project, env } = await seedProject(api, "shop", "stage");
    body = { projectId: project.id, envId: env.id, templateId: "web-app", params: {} };
    server = await listen(api.app.fetch);
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  const deploy = async () => {
    const res = await fetch(`${server.url}/api/deployments`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-demo-role": "operator" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toMatch(/^\/api\/tasks\/tsk_/);
    return ((await res.json()) as { taskId: string }).taskId;
  };

  /** Waits until the task's closing status event is in the database (it follows the row's status). */
  const finalEventStored = async (taskId: string) => {
    await api.t.waitForStatus(taskId, ["succeeded"]);
    for (;;) {
      const last = (await api.t.stores.taskEvents.listForTask(taskId)).at(-1);
      if (last?.data.kind === "status" && last.data.status === "succeeded") return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const open = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers: { "x-demo-role": "viewer", ...headers } });

  it("creates a task, streams every step as it happens and ends with done when the task finishes", async () => {
    const taskId = await deploy();
    const res = await open(`/api/tasks/${taskId}/sse`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(res).until(isDone);

    expect(events.at(-1)).toMatchObject({ event: "done" });
    expect(JSON.parse(events.at(-1)?.data ?? "{}")).toEqual({ taskId, status: "succeeded" });
    const ids = seqs(events);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    const data = events.filter((e) => e.event !== "done").map((e) => JSON.parse(e.data) as TaskEvent);
    for (const e of data) expect(e.taskId).toBe(taskId);
    const steps = data.flatMap((e) => (e.data.kind === "step" ? [`${e.data.name}:${e.data.status}`] : []));
    expect(steps).toEqual([
      "validate:running",
      "validate:succeeded",
      "plan:running",
      "plan:succeeded",
      "apply:running",
      "apply:succeeded",
    ]);
    const statuses = data.flatMap((e) => (e.data.kind === "status" ? [e.data.status] : []));
    expect(statuses).toEqual(["queued", "running", "succeeded"]);
    expect(
      events.filter((e) => e.event !== "done").every((e) => e.event === JSON.parse(e.data).data.kind),
    ).toBe(true);

    const detail = (await (await open(`/api/tasks/${taskId}`)).json()) as {
      status: string;
      steps: { status: string }[];
    };
    expect(detail.status).toBe("succeeded");
    expect(detail.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
  });

  it("resumes from Last-Event-ID without gaps or repeats", async () => {
    const taskId = await deploy();
    const first = readSse(await open(`/api/tasks/${taskId}/sse`));
    const head = await first.until(() => true, 4);
    await first.cancel();
    const lastId = head.at(-1)?.id ?? "0";
    const rest = await readSse(await open(`/api/tasks/${taskId}/sse`, { "last-event-id": lastId })).until(
      isDone,
    );
    const all = [...seqs(head), ...seqs(rest)];
    const stored = (await api.t.stores.taskEvents.listForTask(taskId)).map((e) => e.seq);
    expect(all).toEqual(stored);
    expect(rest.at(-1)?.event).toBe("done");
  });

  it("replays and ends at once for a task that has already finished", async () => {
    const taskId = await deploy();
    await api.t.waitForStatus(taskId, ["succeeded"]);
    const reader = readSse(await open(`/api/tasks/${taskId}/sse`));
    const events = await reader.until(isDone);
    // Read after the stream: the row turns "succeeded" a moment before its status event is stored.
    const stored = (await api.t.stores.taskEvents.listForTask(taskId)).map((e) => e.seq);
    expect(seqs(events)).toEqual(stored);
    expect(await reader.ended()).toBe(true);

    const caughtUp = readSse(await open(`/api/tasks/${taskId}/sse?lastEventId=${stored.at(-1)}`));
    const only = await caughtUp.until(isDone);
    expect(only.map((e) => e.event)).toEqual(["done"]);
  });

  it("streams every task's events with global ids and resumes from one", async () => {
    const since = await api.t.stores.taskEvents.latestId();
    const a = await deploy();
    const b = await deploy();
    await finalEventStored(a);
    await finalEventStored(b);
    const stored = (await api.t.stores.taskEvents.listSince(since)).map((e) => e.id);
    const reader = readSse(await open("/api/tasks/sse", { "last-event-id": String(since) }));
    const events = await reader.until((e) => Number(e.id) === stored.at(-1), stored.length);
    await reader.cancel();
    expect(events.map((e) => Number(e.id))).toEqual(stored);
    const tasks = new Set(events.map((e) => (JSON.parse(e.data) as TaskEvent).taskId));
    expect(tasks).toEqual(new Set([a, b]));
  });

  it("delivers live events to a dashboard that connected before they happened", async () => {
    const reader = readSse(await open("/api/tasks/sse"));
    const taskId = await deploy();
    const events = await reader.until((e) => {
      const ev = JSON.parse(e.data) as TaskEvent;
      return ev.taskId === taskId && ev.data.kind === "status" && ev.data.status === "succeeded";
    });
    await reader.cancel();
    const mine = events.map((e) => JSON.parse(e.data) as TaskEvent).filter((e) => e.taskId === taskId);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i + 1));
  });

  it("sends a heartbeat comment while nothing happens", async () => {
    const res = await open("/api/tasks/sse");
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(": heartbeat\n\n")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    await reader.cancel();
    expect(text.startsWith(": connected\n\n")).toBe(true);
    expect(text).toContain(": heartbeat\n\n");
  });

  it("answers 404 problem+json for the stream of an unknown task", async () => {
    const res = await open("/api/tasks/tsk_01jd2x5k8m0000abcdefghjkmn/sse");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("a slow client", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi({ sse: { heartbeatMs: 60_000, maxBufferBytes: 4096 } });
  });
  afterAll(async () => api?.close());

  it("is dropped with a clear error event once it falls too far behind, and publishing never waits for it", async () => {
    const listening = api.t.bus.subscribers();
    const res = await api.as("viewer")("/api/tasks/sse");
    expect(res.status).toBe(200);
    // Wait until the stream is live (its bus subscription is in place) before publishing.
    await waitUntil(() => api.t.bus.subscribers() > listening, "stream subscribed");
    const event = (id: number): TaskEvent => ({
      id,
      taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
      seq: id,
      at: new Date().toISOString(),
      task: { type: "deploy", entityId: "env_x", status: "running" },
      data: { kind: "log", level: "info", message: "x".repeat(200) },
    });
    // Nobody reads the response while 200 events (about 80 KB) are published.
    for (let i = 1; i <= 200; i++) await api.t.bus.publish(event(1_000_000 + i));
    // The overflow ends the stream, which lets go of its subscription.
    await waitUntil(() => api.t.bus.subscribers() === listening, "stream dropped");

    const reader = readSse(res);
    const events = await reader.until(() => false);
    expect(await reader.ended()).toBe(true);
    const last = events.at(-1);
    expect(last?.event).toBe("error");
    expect(JSON.parse(last?.data ?? "{}")).toMatchObject({ code: "slow_consumer" });
    const delivered = events.filter((e) => e.event === "log").length;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(200);
  });
});

describe("a slow client over a real socket", () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    api = await createTestApi({ sse: { heartbeatMs: 60_000, maxBufferBytes: 16 * 1024 } });
    server = await listen(api.app.fetch);
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  it("is dropped once its socket falls behind by the bound, ends with the error event, and is let go", async () => {
    const listening = api.t.bus.subscribers();
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      request(`${server.url}/api/tasks/sse`, { headers: { "x-demo-role": "viewer" } }, resolve)
        .on("error", reject)
        .end(),
    );
    expect(res.statusCode).toBe(200);
    // The client stops reading; the kernel's socket buffers fill first, then the process's.
    res.pause();
    await waitUntil(() => api.t.bus.subscribers() > listening, "stream subscribed");
    let published = 0;
    while (api.t.bus.subscribers() > listening && published < 5000) {
      published++;
      await api.t.bus.publish(logEvent(2_000_000 + published, published, "x".repeat(8000)));
      // The bus delivers on a later turn: let it, so the drop can stop the publishing early.
      if (published % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitUntil(() => api.t.bus.subscribers() === listening, "stream dropped");

    res.setEncoding("utf8");
    let text = "";
    res.on("data", (chunk: string) => {
      text += chunk;
    });
    res.resume();
    await new Promise((resolve) => res.on("end", resolve));
    const frames = text.split("\n\n").filter((f) => f.startsWith("event:"));
    const delivered = frames.filter((f) => f.startsWith("event: log")).length;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(published);
    expect(frames.at(-1)).toContain("event: error");
    expect(frames.at(-1)).toContain('"code":"slow_consumer"');
  });
});

describe("the bytes of a stream on the wire", () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    api = await createTestApi({ sse: { heartbeatMs: 60_000 } });
    server = await listen(api.app.fetch);
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  /** A keep-alive HTTP/1.1 GET on a plain socket; `text()` is every byte read so far. */
  function rawGet(path: string) {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(
      `GET ${path} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: keep-alive\r\nx-demo-role: viewer\r\n\r\n`,
    );
    return { text: () => text, closed, socket };
  }

  it("sends frames unframed (no chunked encoding) and ends the body by closing the connection", async () => {
    const listening = api.t.bus.subscribers();
    const client = rawGet("/api/tasks/sse");
    await waitUntil(() => api.t.bus.subscribers() > listening, "stream subscribed");
    const event = logEvent(3_000_001, 1, "on the wire");
    await api.t.bus.publish(event);
    const frame = `event: log\ndata: ${JSON.stringify(event)}\nid: ${event.id}\n\n`;
    await waitUntil(() => client.text().includes(frame), "frame on the wire");
    const [head = "", body = ""] = client.text().split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).toContain("content-type: text/event-stream");
    expect(head.toLowerCase()).toContain("connection: close");
    expect(head.toLowerCase()).not.toContain("transfer-encoding");
    // The body is the frames themselves, byte for byte: no chunk sizes between them.
    expect(body).toBe(`: connected\n\n${frame}`);
    client.socket.destroy();
    await client.closed;
  });

  it("closes the connection after the last frame of a finished task's stream", async () => {
    // No worker runs here: a queued task is cancelled at once, and its stream is complete.
    const taskId = await queuedTask(api);
    await api.t.engine.tasks.cancel(taskId);
    await api.t.waitForStatus(taskId, ["cancelled"]);
    const client = rawGet(`/api/tasks/${taskId}/sse`);
    await client.closed;
    const body = client.text().split("\r\n\r\n").slice(1).join("\r\n\r\n");
    expect(body.startsWith(": connected\n\n")).toBe(true);
    expect(body.endsWith("\n\n")).toBe(true);
    expect(body).toContain("event: done");
    expect(body).not.toMatch(/^[0-9a-f]+\r\n/m);
  });
});

describe("the end of a task stream", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  it("ends with the closing status event of a task that finishes while the stream is open", async () => {
    const taskId = await queuedTask(api);
    const listening = api.t.bus.subscribers();
    const reader = readSse(await api.as("viewer")(`/api/tasks/${taskId}/sse`));
    expect((await reader.next())?.event).toBe("status");
    await waitUntil(() => api.t.bus.subscribers() > listening, "stream subscribed");
    // The status and its event commit together, so the stream ends on the event, never before it.
    await api.t.engine.journal.status(taskId, "running", { attempts: 1 });
    await api.t.engine.journal.status(taskId, "succeeded", { finishedAt: new Date() });
    const rest = await reader.until(isDone);
    expect(rest.map((e) => e.event)).toEqual(["status", "status", "done"]);
    expect(rest.map((e) => e.id).slice(0, 2)).toEqual(["2", "3"]);
    expect((JSON.parse(rest[1]?.data ?? "{}") as TaskEvent).data).toMatchObject({ status: "succeeded" });
  });

  it("ends at once for a reader that resumes after the closing event", async () => {
    const taskId = await queuedTask(api);
    await api.t.engine.journal.status(taskId, "running", { attempts: 1 });
    await api.t.engine.journal.status(taskId, "cancelled", { finishedAt: new Date() });
    const res = await api.as("viewer")(`/api/tasks/${taskId}/sse`, { headers: { "last-event-id": "3" } });
    const events = await readSse(res).until(isDone);
    expect(events.map((e) => e.event)).toEqual(["done"]);
    expect(JSON.parse(events[0]?.data ?? "{}")).toEqual({ taskId, status: "cancelled" });
  });
});

describe("the all-tasks stream opened without Last-Event-ID", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  it("delivers an event written once the stream is open, while it still reads where the present is", async () => {
    const store = api.t.stores.taskEvents;
    const latestId = store.latestId;
    let asked: () => void = () => undefined;
    const wasAsked = new Promise<void>((r) => (asked = r));
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    // The read of the present waits until the test lets it go.
    store.latestId = async () => {
      asked();
      await released;
      return latestId();
    };
    try {
      const opening = api.as("viewer")("/api/tasks/sse");
      await wasAsked;
      // Headers that do not wait for the read would be out by the next turn of the event loop.
      const openAlready = await Promise.race([
        opening.then(() => true),
        new Promise<boolean>((r) => setImmediate(() => r(false))),
      ]);
      if (!openAlready) release();
      const reader = readSse(await opening);
      // The stream is open: everything written from here on is the reader's.
      const { task } = await api.t.engine.tasks.submit({
        type: "k8s.restart",
        entityId: "shop/web-gap",
        payload: { namespace: "shop", name: "web" },
        requestedBy: "t",
        source: "api",
      });
      release();
      await api.t.engine.journal.status(task.id, "running", { attempts: 1 });
      const events = await reader.until((e) => {
        const event = JSON.parse(e.data) as TaskEvent;
        return event.taskId === task.id && event.seq === 2;
      });
      await reader.cancel();
      const mine = events.map((e) => JSON.parse(e.data) as TaskEvent).filter((e) => e.taskId === task.id);
      expect(mine.map((e) => e.seq)).toEqual([1, 2]);
    } finally {
      store.latestId = latestId;
    }
  });

  it("delivers an event that commits after a higher id was read as the present (PostgreSQL ids are taken before the commit)", async () => {
    const store = api.t.stores.taskEvents;
    const latestId = store.latestId;
    const present = (await latestId()) + 1000;
    // The newest id at open is one whose transaction committed first; a lower one is still open.
    store.latestId = async () => present;
    try {
      const listening = api.t.bus.subscribers();
      const reader = readSse(await api.as("viewer")("/api/tasks/sse"));
      await waitUntil(() => api.t.bus.subscribers() > listening, "stream subscribed");
      const late = logEvent(present - 500, 7, "committed late");
      await api.t.bus.publish(late);
      const events = await reader.until((e) => e.id === String(late.id));
      await reader.cancel();
      expect(JSON.parse(events.at(-1)?.data ?? "{}")).toMatchObject({ id: late.id, seq: 7 });
    } finally {
      store.latestId = latestId;
    }
  });
});
