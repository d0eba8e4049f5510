import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskHistory } from "../../contracts/tasks";
import { type SiteRuntime, startSiteRuntime } from "../support/site-runtime";

// GET /api/tasks/{id}/history over the whole process: attempts as the runner ran them, who acted.
describe("task history", () => {
  let site: SiteRuntime;
  let shopStage = { projectId: "", envId: "" };

  beforeAll(async () => {
    site = await startSiteRuntime();
    const shop = await site.runtime.stores.projects.byName("shop");
    const stage = (await site.runtime.stores.environments.listByProject(shop?.id ?? "")).find(
      (e) => e.name === "stage",
    );
    shopStage = { projectId: stage?.projectId ?? "", envId: stage?.id ?? "" };
  }, 180_000);
  afterAll(async () => site?.stop());

  const call = (path: string, init: RequestInit & { user?: string } = {}) =>
    fetch(`${site.url}${path}`, {
      ...init,
      headers: {
        "content-type": "application/json",
        "idempotency-key": `hist-${Math.random().toString(36).slice(2)}`,
        ...(init.user ? { "x-demo-user": init.user } : {}),
      },
    });

  async function waitFor(id: string, status: string): Promise<void> {
    await expect
      .poll(async () => ((await (await call(`/api/tasks/${id}`)).json()) as { status: string }).status, {
        timeout: 30_000,
      })
      .toBe(status);
  }

  it("lists each attempt with its start, end and error, and the retry that succeeded", async () => {
    const res = await call("/api/deployments", {
      method: "POST",
      body: JSON.stringify({ ...shopStage, templateId: "web-app", params: {}, failAt: "plan", failTimes: 1 }),
    });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    await waitFor(taskId, "succeeded");
    const history = (await (await call(`/api/tasks/${taskId}/history`)).json()) as TaskHistory;
    expect(history.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "retrying"],
      [2, "succeeded"],
    ]);
    expect(history.attempts[0]?.error).toMatch(/plan/i);
    for (const a of history.attempts)
      expect(Date.parse(a.finishedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(a.startedAt));
    expect(history.deadLetter).toBeNull();
  });

  it("names who skipped a dead letter and who retried a failed task", async () => {
    const res = await call("/api/deployments", {
      method: "POST",
      body: JSON.stringify({
        ...shopStage,
        templateId: "web-app",
        params: {},
        failAt: "plan",
        failPermanently: true,
      }),
    });
    const { taskId } = (await res.json()) as { taskId: string };
    await waitFor(taskId, "failed");
    const retried = await call(`/api/tasks/${taskId}/retry`, {
      method: "POST",
      body: "{}",
      user: "bob@contoso.test",
    });
    expect(retried.status).toBe(202);
    await waitFor(taskId, "failed");
    const letters = (await (await call("/api/dlq?status=open&limit=200")).json()) as {
      items: Array<{ id: string; taskId: string }>;
    };
    const letter = letters.items.find((l) => l.taskId === taskId);
    expect(letter).toBeDefined();
    const skipped = await call(`/api/dlq/${letter?.id}/skip`, {
      method: "POST",
      body: "{}",
      user: "carol@contoso.test",
    });
    expect(skipped.status).toBe(200);
    const history = (await (await call(`/api/tasks/${taskId}/history`)).json()) as TaskHistory;
    expect(history.actions.map((a) => [a.action, a.by])).toEqual([
      ["dlq.skip", "carol@contoso.test"],
      ["task.retry", "bob@contoso.test"],
    ]);
    expect(history.deadLetter).toMatchObject({ status: "skipped", resolvedBy: "carol@contoso.test" });
    expect(history.attempts.map((a) => a.outcome)).toEqual(["failed", "failed"]);
  });

  it("answers 404 for an unknown task", async () => {
    const res = await call("/api/tasks/tsk_01jd2x5k8m0000abcdefghjkmn/history");
    expect(res.status).toBe(404);
  });
});
