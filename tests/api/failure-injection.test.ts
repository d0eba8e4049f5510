import { afterEach, describe, expect, it } from "vitest";
import { createTestApi, seedProject, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";

describe("failure injection through the API", () => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.close();
    api = null;
  });

  it("in demo mode, a deployment asked to fail at apply ends in the dead-letter queue and succeeds on retry", async () => {
    api = await createTestApi({ startWorker: true });
    const { project, env } = await seedProject(api);
    const operator = api.as("operator");
    const res = await operator("/api/deployments", {
      method: "POST",
      body: { projectId: project.id, envId: env.id, templateId: "web-app", failAt: "apply", failTimes: 3 },
    });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    // A prod environment: a second operator approves the plan; the approval holds for apply's retries.
    await api.t.waitForStatus(taskId, ["awaiting_approval"]);
    const approved = await api.as("operator", "second-operator")(`/api/tasks/${taskId}/approve`, {
      method: "POST",
      body: {},
    });
    expect(approved.status).toBe(202);
    const failed = await api.t.waitForStatus(taskId, ["failed", "succeeded"]);
    expect(failed).toMatchObject({ status: "failed", attempts: 3, error: { code: "injected_failure" } });
    const steps = await api.t.stores.tasks.steps(taskId);
    expect(steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "failed"]);

    const letters = (await (await operator("/api/dlq")).json()) as {
      items: Array<{ id: string; taskId: string }>;
    };
    const letter = letters.items.find((l) => l.taskId === taskId);
    expect(letter).toBeDefined();
    expect((await operator(`/api/dlq/${letter?.id}/retry`, { method: "POST" })).status).toBe(202);
    expect((await api.t.waitForStatus(taskId, ["succeeded", "failed"], 20_000)).status).toBe("succeeded");
  });

  it("refuses failure injection outside demo mode and creates no task", async () => {
    api = await createTestApi({
      env: { DEMO_MODE: "false", OIDC_ISSUER: "https://login.example.test/tenant/v2.0" },
    });
    const { project, env } = await seedProject(api);
    const res = await api.app.request("/api/deployments", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-internal-token": TEST_INTERNAL_TOKEN,
        "x-acting-user": "alice@contoso.com",
        "x-acting-role": "operator",
        "x-acting-source": "bot",
      },
      body: JSON.stringify({ projectId: project.id, envId: env.id, templateId: "web-app", failAt: "apply" }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "failure_injection_disabled" });
    expect((await api.t.stores.tasks.list()).items).toEqual([]);
  });
});
