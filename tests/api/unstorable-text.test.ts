import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";
import { dialectsUnderTest } from "../support/databases";

const NUL = "\u0000";
const LONE_SURROGATE = "\uD800";

describe.each(dialectsUnderTest())("text no database can store is refused with 400 (%s)", (dialect) => {
  let api: TestApi;
  let projectId: string;
  let envId: string;

  beforeAll(async () => {
    api = await createTestApi({ engine: { dialect }, env: { RATE_LIMIT_PER_MINUTE: "1000" } });
    const seeded = await seedProject(api, `text-${dialect}`);
    projectId = seeded.project.id;
    envId = seeded.env.id;
  });
  afterAll(async () => api?.close());

  const expectValidationProblem = async (res: Response) => {
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
  };
  const taskCount = async () => (await api.t.stores.tasks.list({ limit: 200 })).items.length;

  it.each([
    ["a NUL", NUL],
    ["a lone surrogate", LONE_SURROGATE],
  ])("refuses %s in a project description and creates nothing", async (_, bad) => {
    const res = await api.as("admin")("/api/projects", {
      method: "POST",
      body: JSON.stringify({ name: "nul-proj", description: `shop${bad}` }),
    });
    await expectValidationProblem(res);
    expect(await api.t.stores.projects.resolve("nul-proj")).toBeNull();
  });

  it("refuses deploy params with bad text at any depth, and in keys", async () => {
    const before = await taskCount();
    for (const params of [
      { env: { NAME: `a${LONE_SURROGATE}` } },
      { [`k${NUL}`]: "v" },
      { list: ["ok", NUL] },
    ]) {
      const res = await api.as("operator")("/api/deployments", {
        method: "POST",
        body: JSON.stringify({ projectId, envId, templateId: "web-app", params }),
      });
      await expectValidationProblem(res);
    }
    expect(await taskCount()).toBe(before);
  });

  it("refuses a NUL in a query or a path", async () => {
    await expectValidationProblem(await api.as("viewer")("/api/tasks?entityId=%00"));
    await expectValidationProblem(await api.as("viewer")("/api/tasks/tsk_%00"));
  });

  it("refuses a NUL in a card activity id and leaves the task's origin unset", async () => {
    const { task } = await api.t.engine.tasks.submit({
      type: "db.backup",
      entityId: "azure-sql/nul",
      payload: {},
      requestedBy: "t",
      source: "api",
    });
    const res = await api.as("operator")(`/api/tasks/${task.id}/origin`, {
      method: "PUT",
      body: JSON.stringify({
        conversationRef: { conversation: { id: "19:abc" } },
        cardActivityId: `c${NUL}`,
      }),
    });
    await expectValidationProblem(res);
    expect((await api.t.stores.tasks.get(task.id))?.cardActivityId).toBeNull();
  });
});
