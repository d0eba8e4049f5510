import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botCallerHeaders } from "../../bot/api-client";
import { ApiProblem, type CloudOpsClient, createApiClient } from "../../contracts/api-client";
import { ProjectSchema } from "../../contracts/projects";
import { readSse } from "../../contracts/sse-reader";
import { TaskDetailSchema, TaskPageSchema } from "../../contracts/tasks";
import { assertionKey } from "../../platform/acting-assertion";
import { actingHeaders } from "../../site/src/lib/acting-identity";
import type { Role } from "../../site/src/lib/site-locals";
import { createTestApi, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";
import { listen } from "../support/http-server";

// The shared typed client against the real API over a socket: the answers it types are the answers
// the API sends (parsed with the same contracts), refusals arrive as ApiProblem, streams resume.

describe("the typed API client", () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;
  // The dashboard signs each call's acting person with a key derived from the internal token.
  const locals = { assertionKey: assertionKey(TEST_INTERNAL_TOKEN) };
  /** A client that calls as the dashboard does, for `user` with `role`. */
  const asSite = (role: Role, user = `site-${role}`): CloudOpsClient =>
    createApiClient({
      baseUrl: server.url,
      headers: () => actingHeaders(locals, { id: user, name: user, role }),
    });

  beforeAll(async () => {
    api = await createTestApi({ startWorker: true, env: { RATE_LIMIT_PER_MINUTE: "1000" } });
    server = await listen(api.app.fetch);
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  it("creates and lists projects and environments with answers that match their contracts", async () => {
    const admin = asSite("admin");
    const project = await admin.createProject({ name: "client-shop", description: "Made by the client" });
    expect(ProjectSchema.parse(project)).toEqual(project);
    expect(project).toMatchObject({ name: "client-shop", description: "Made by the client" });
    const env = await admin.createEnvironment(project.id, { name: "stage", type: "stage" });
    expect(env).toMatchObject({ projectId: project.id, name: "stage", type: "stage", ttlMinutes: null });

    const projects = await admin.listProjects();
    expect(projects.items.map((p) => p.name)).toContain("client-shop");
    const envs = await admin.listEnvironments(project.id);
    expect(envs.items).toEqual([env]);
  });

  it("starts a task for the acting user and reads it back as a TaskDetail", async () => {
    const operator = asSite("operator", "olivia@contoso.com");
    const { taskId } = await operator.restartWorkload("shop", "web", {
      idempotencyKey: `client-${Date.now()}`,
    });
    await api.t.waitForStatus(taskId, ["succeeded"]);
    const task = await operator.getTask(taskId);
    expect(TaskDetailSchema.parse(task)).toEqual(task);
    expect(task).toMatchObject({ id: taskId, type: "k8s.restart", status: "succeeded", source: "site" });
    expect(task.requestedBy).toBe("olivia@contoso.com");
    expect(task.steps.length).toBeGreaterThan(0);

    const page = await operator.listTasks({ type: "k8s.restart", limit: 5 });
    expect(TaskPageSchema.parse(page)).toEqual(page);
    expect(page.items.map((t) => t.id)).toContain(taskId);
  });

  it("sends the idempotency key, so a repeated change answers with the first task", async () => {
    const operator = asSite("operator");
    const key = `client-repeat-${Date.now()}`;
    const first = await operator.restartWorkload("shop", "api", { idempotencyKey: key });
    const again = await operator.restartWorkload("shop", "api", { idempotencyKey: key });
    expect(again.taskId).toBe(first.taskId);
  });

  it("calls as the bot's Teams user when given the bot's headers", async () => {
    const bot = createApiClient({
      baseUrl: server.url,
      headers: () =>
        botCallerHeaders(TEST_INTERNAL_TOKEN, {
          id: "adele@contoso.com",
          name: "Adele Vance",
          role: "operator",
        }),
    });
    const { taskId } = await bot.restartWorkload("shop", "worker");
    const task = await bot.getTask(taskId);
    expect(task).toMatchObject({ requestedBy: "adele@contoso.com", source: "bot" });
  });

  it("turns a problem+json answer into an ApiProblem with its status, code, detail and request id", async () => {
    const viewer = asSite("viewer");
    const missing = await viewer.getTask("tsk_01jd2x5k8m0000abcdefghjkmn").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiProblem);
    expect(missing).toMatchObject({ status: 404, code: "task_not_found" });
    expect((missing as ApiProblem).detail).toContain("tsk_01jd2x5k8m0000abcdefghjkmn");
    expect((missing as ApiProblem).requestId).toMatch(/\S/);

    const refused = await viewer.createProject({ name: "not-mine" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 403, code: "forbidden" });

    const invalid = await asSite("admin")
      .createProject({ name: "Not A DNS Label" })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, code: "validation_failed" });
    expect((invalid as ApiProblem).errors?.map((e) => e.path)).toContain("name");
  });

  it("says the API is unreachable, in the caller's words, when nothing answers", async () => {
    const closed = await listen(() => new Response("never"));
    const url = closed.url;
    await closed.close();
    const client = createApiClient({
      baseUrl: url,
      unreachable: { title: "CloudOps is not reachable right now", hint: "Try again in a minute." },
    });
    const error = await client.listProjects().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiProblem);
    expect(error).toMatchObject({
      status: 503,
      code: "api_unreachable",
      title: "CloudOps is not reachable right now",
      hint: "Try again in a minute.",
    });
  });

  it("gives up on an API that never answers after timeoutMs, and leaves a caller's own abort to the caller", async () => {
    const hung = await listen(() => new Promise<Response>(() => {}));
    try {
      const impatient = createApiClient({ baseUrl: hung.url, timeoutMs: 200 });
      await expect(impatient.getHealth()).rejects.toMatchObject({ status: 503, code: "api_unreachable" });

      const patient = createApiClient({ baseUrl: hung.url });
      const stop = new AbortController();
      const call = patient.getHealth({ signal: stop.signal }).catch((e: unknown) => e);
      stop.abort();
      const error = await call;
      expect(error).not.toBeInstanceOf(ApiProblem);
      expect((error as Error).name).toBe("AbortError");
    } finally {
      await hung.close();
    }
  });

  it("opens a task's event stream and resumes it after a Last-Event-ID without repeats or gaps", async () => {
    const operator = asSite("operator");
    const { taskId } = await operator.restartWorkload("prod", "api", {
      idempotencyKey: `resume-${Date.now()}`,
    });
    await api.t.waitForStatus(taskId, ["succeeded"]);

    const all: string[] = [];
    for await (const m of readSse((await operator.openEventStream(taskId)).body ?? new ReadableStream())) {
      if (m.event === "done") break;
      all.push(m.id ?? "?");
    }
    expect(all.length).toBeGreaterThan(2);
    const cut = all[1] ?? "";

    const resumed = await operator.openEventStream(taskId, { lastEventId: cut });
    const reader = readSse(resumed.body ?? new ReadableStream(), { lastEventId: cut });
    const rest: string[] = [];
    for await (const m of reader) {
      if (m.event === "done") {
        expect(m.id).toBe(all.at(-1));
        break;
      }
      rest.push(m.id ?? "?");
    }
    expect(rest).toEqual(all.slice(2));
  });

  it("refuses to open the stream of a task that does not exist with an ApiProblem", async () => {
    const error = await asSite("viewer")
      .openEventStream("tsk_01jd2x5k8m0000abcdefghjkmn")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, code: "task_not_found" });
  });
});

describe("the typed API client under a rate limit", () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1" } });
    server = await listen(api.app.fetch);
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  it("carries Retry-After as retryAfterMs on a 429", async () => {
    const client = createApiClient({
      baseUrl: server.url,
      headers: () => ({ "x-demo-role": "operator", "x-demo-user": "rushed" }),
    });
    await client.restartWorkload("shop", "one");
    const error = await client.restartWorkload("shop", "two").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect((error as ApiProblem).retryAfterMs).toBeGreaterThan(0);
  });
});
