import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "../../contracts/sse-reader";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";

// The task page's live stream: HTML fragments per event, a terminal `done`, and a reconnect that
// resumes from Last-Event-ID without sending a log line twice. In demo mode and, signed in, with
// DEMO_MODE=false.
describe.each(SITE_MODES)("live task stream (%s mode)", (mode) => {
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

  async function collect(
    url: string,
    headers: Record<string, string>,
    stopAfter?: number,
  ): Promise<SseMessage[]> {
    const abort = new AbortController();
    const response = await site.page(url, {
      headers: { accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const got: SseMessage[] = [];
    if (!response.body) return got;
    for await (const message of readSse(response.body)) {
      got.push(message);
      if (message.event === "done") break;
      if (stopAfter !== undefined && got.filter((m) => m.data.includes('data-seq="')).length >= stopAfter)
        break;
    }
    abort.abort();
    return got;
  }

  const logSeqs = (messages: SseMessage[]) =>
    messages.flatMap((m) => [...m.data.matchAll(/data-seq="(\d+)"/g)].map((x) => Number(x[1])));

  it("sends fragments for the timeline and logs, then a done event once the task finishes", async () => {
    const taskId = await startRestart();
    const messages = await collect(`/live/tasks/${taskId}`, {});
    expect(messages.at(-1)?.event).toBe("done");
    const html = messages.map((m) => m.data).join("\n");
    expect(html).toContain('<hx-partial hx-target="#timeline"');
    expect(html).toContain('<hx-partial hx-target="#logs" hx-swap="beforeend">');
    expect(html).toContain("chip-succeeded");
    expect(html).not.toContain("<script");
  });

  it("resumes after a dropped connection from Last-Event-ID without repeating log lines", async () => {
    const taskId = await startRestart();
    const first = await collect(`/live/tasks/${taskId}`, {}, 1);
    const lastId = [...first].reverse().find((m) => m.id)?.id;
    expect(lastId).toBeTruthy();
    const rest = await collect(`/live/tasks/${taskId}`, { "last-event-id": lastId ?? "" });
    expect(rest.at(-1)?.event).toBe("done");
    const seqs = [...logSeqs(first), ...logSeqs(rest)];
    expect(seqs.length).toBeGreaterThan(1);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("does not resend log lines the page already rendered (?after=)", async () => {
    const taskId = await startRestart();
    const all = await collect(`/live/tasks/${taskId}`, {});
    const seqs = logSeqs(all);
    const cut = seqs[0] ?? 0;
    const later = await collect(`/live/tasks/${taskId}?after=${cut}`, {});
    expect(logSeqs(later).every((s) => s > cut)).toBe(true);
  });

  it("keeps streaming a retried task past the failure of its earlier attempt", async () => {
    const { stores, tasks } = site.runtime;
    const shop = await stores.projects.byName("shop");
    const stage = (await stores.environments.listByProject(shop?.id ?? "")).find((e) => e.name === "stage");
    const { task } = await tasks.submit({
      type: "deploy",
      entityId: stage?.id ?? "",
      projectId: stage?.projectId ?? null,
      payload: {
        projectId: stage?.projectId,
        envId: stage?.id,
        templateId: "web-app",
        params: {},
        failAt: "validate",
        failTimes: 1,
        failPermanently: true,
      },
      requestedBy: "live-test",
      source: "site",
    });
    await expect
      .poll(async () => (await stores.tasks.get(task.id))?.status, { timeout: 20_000 })
      .toBe("failed");
    const retried = await site.api(`/api/tasks/${task.id}/retry`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `retry-${task.id}` },
      body: "{}",
    });
    expect(retried.status).toBe(202);
    const messages = await collect(`/live/tasks/${task.id}`, {});
    expect(messages.at(-1)?.event).toBe("done");
    const lastFragment = [...messages].reverse().find((m) => m.data.includes('hx-target="#task-summary"'));
    expect(lastFragment?.data).toContain("chip-succeeded");
  });
});
