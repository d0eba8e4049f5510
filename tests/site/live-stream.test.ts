import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "../../contracts/sse-reader";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";

// The dashboard's live layer over a real socket: /live/events (the one stream a browser shares across
// tabs: task events as JSON with global ids, resumable from Last-Event-ID or ?after=) and the run
// page's refresh /live/tasks/{id}?after= (sections as partials, log lines after `after` only). In demo
// mode and, signed in, with DEMO_MODE=false.
describe.each(SITE_MODES)("live layer (%s mode)", (mode) => {
  let site: SiteUnderTest;
  beforeAll(async () => {
    site = await startSiteInMode(mode, { DEMO_STEP_DELAY_MS: "150" });
  }, 180_000);
  afterAll(async () => {
    await site?.stop();
  });

  async function startRestart(): Promise<string> {
    const response = await site.api(`/api/k8s/workloads/prod/api:restart`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": `live-${Date.now()}-${Math.random()}`,
      },
      body: "{}",
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  }

  interface Event {
    id: number;
    taskId: string;
    seq: number;
    data: { kind: string; status?: string };
  }

  /** Reads /live/events until `until` says stop; starts the task (if any) once the stream is open. */
  async function collect(
    path: string,
    headers: Record<string, string>,
    until: (events: Event[]) => boolean,
    afterOpen: () => Promise<unknown> = async () => undefined,
  ): Promise<Event[]> {
    const abort = new AbortController();
    const response = await site.page(path, {
      headers: { accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("content-encoding")).toBeNull();
    const events: Event[] = [];
    const timer = setTimeout(() => abort.abort(), 60_000);
    // The task's events may all arrive before the POST's answer names the task: look again then.
    void afterOpen().then(() => {
      if (until(events)) abort.abort();
    });
    try {
      if (!response.body) return events;
      for await (const message of readSse(response.body) as AsyncIterable<SseMessage>) {
        if (!message.data.startsWith("{")) continue;
        const event = JSON.parse(message.data) as Event;
        expect(String(event.id)).toBe(message.id);
        events.push(event);
        if (until(events)) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    return events;
  }

  const finished = (taskId: string) => (events: Event[]) =>
    events.some((e) => e.taskId === taskId && e.data.kind === "status" && e.data.status === "succeeded");

  it("streams every task's events as JSON with their global ids", async () => {
    let taskId = "";
    const events = await collect(
      "/live/events",
      {},
      (got) => !!taskId && finished(taskId)(got),
      async () => {
        taskId = await startRestart();
      },
    );
    const mine = events.filter((e) => e.taskId === taskId);
    expect(mine.map((e) => e.data.kind)).toEqual(expect.arrayContaining(["status", "step", "log"]));
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("resumes from Last-Event-ID or ?after= without losing or repeating an event", async () => {
    let taskId = "";
    const first = await collect(
      "/live/events",
      {},
      (got) => got.filter((e) => e.taskId === taskId).length >= 2,
      async () => {
        taskId = await startRestart();
      },
    );
    // Resume from inside the task: a demo restart can finish before the first stream is read on, so the
    // cut is the task's second event, not the last event read.
    const lastId = first.filter((e) => e.taskId === taskId)[1]?.id ?? 0;
    const before = first.filter((e) => e.id <= lastId);
    const byHeader = await collect("/live/events", { "last-event-id": String(lastId) }, finished(taskId));
    const byQuery = await collect(`/live/events?after=${lastId}`, {}, finished(taskId));
    for (const rest of [byHeader, byQuery]) {
      expect(rest.every((e) => e.id > lastId)).toBe(true);
      const seqs = [...before, ...rest].filter((e) => e.taskId === taskId).map((e) => e.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(Math.max(...seqs)).toBe(seqs.length);
    }
  });

  it("refreshes the run page as partials and sends only the log lines after ?after=", async () => {
    const taskId = await startRestart();
    await expect
      .poll(async () => (await site.page(`/live/tasks/${taskId}`)).headers.get("x-task-finished"), {
        timeout: 30_000,
      })
      .toBe("1");
    const all = await (await site.page(`/live/tasks/${taskId}`)).text();
    for (const target of ["#task-summary", "#task-actions", "#timeline", "#attempts", "#activity", "#logs"]) {
      expect(all).toContain(`data-target="${target}"`);
    }
    expect(all).toContain("chip-succeeded");
    expect(all).not.toContain("<script");
    const seqs = [...all.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1]));
    expect(seqs.length).toBeGreaterThan(1);
    const cut = seqs[Math.floor(seqs.length / 2)] ?? 0;
    const later = await (await site.page(`/live/tasks/${taskId}?after=${cut}`)).text();
    const laterSeqs = [...later.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1]));
    expect(laterSeqs).toEqual(seqs.filter((s) => s > cut));
  });

  it("answers an unknown task's refresh with 404", async () => {
    expect((await site.page("/live/tasks/tsk_01jd2x5k8m0000abcdefghjkmn")).status).toBe(404);
  });
});
