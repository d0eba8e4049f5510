import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../bot/api-client";
import { parseCommand } from "../../bot/commands/parse";
import { runCommand } from "../../bot/commands/run-command";
import type { Actor } from "../../bot/identity";
import { createTaskCards } from "../../bot/task-cards";
import { createTestApi, seedProject, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";
import { statusOnCard, taskIdOnCard } from "../support/bot-runtime";

// The bot's reply to a command that starts a task is built from the task the API answered with
// (Prefer: return=representation): one request per command. An API that ignores the preference (an
// older one behind the bot) still gets a correct card, with the GET it then takes.

const OPERATOR: Actor = { id: "adele@contoso.example", name: "Adele", role: "operator" };

describe("the requests behind a command's reply card", () => {
  let api: TestApi;
  let projectName: string;
  let activity = 0;

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000" } });
    projectName = (await seedProject(api, "cards")).project.name;
  });
  afterAll(async () => api?.close());

  /** The bot's command path over the real API, recording each request (and dropping Prefer if told). */
  async function run(text: string, options: { apiIgnoresPrefer?: boolean } = {}) {
    const requests: string[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (options.apiIgnoresPrefer) request.headers.delete("prefer");
      requests.push(`${request.method} ${decodeURIComponent(new URL(request.url).pathname)}`);
      return api.app.fetch(request);
    };
    const client = createApiClient({ baseUrl: "http://api.test", internalToken: TEST_INTERNAL_TOKEN, fetch });
    const parsed = parseCommand(text);
    if (!parsed.ok) throw new Error(`${text}: ${parsed.error.title}`);
    const reply = await runCommand(
      parsed.command,
      { actor: OPERATOR, idempotencyKey: `teams:${++activity}` },
      {
        api: client,
        publicUrl: "http://cloudops.test",
        cards: createTaskCards({ api: client, publicUrl: "" }),
      },
    );
    return { reply, requests };
  }

  it("answers a restart with the card of the task the API returned, in one request", async () => {
    const { reply, requests } = await run("restart prod/one-request");
    expect(requests).toEqual(["POST /api/k8s/workloads/prod/one-request:restart"]);
    expect(reply.startedTask).toBe(true);
    expect(statusOnCard(reply.card)).toBe("Queued");
    expect(taskIdOnCard(reply.card)).toBe(reply.taskId);
    expect(reply.shownStatus).toBe("queued");
  });

  it("reads the task when the API answers with its id alone, and shows the same card", async () => {
    const { reply, requests } = await run("restart prod/older-api", { apiIgnoresPrefer: true });
    expect(requests).toEqual([
      "POST /api/k8s/workloads/prod/older-api:restart",
      `GET /api/tasks/${reply.taskId}`,
    ]);
    expect(statusOnCard(reply.card)).toBe("Queued");
    expect(taskIdOnCard(reply.card)).toBe(reply.taskId);
  });

  it("takes no task read for a sandbox either, only the project lookup before it", async () => {
    const { reply, requests } = await run(`sandbox ${projectName}`);
    expect(requests.filter((r) => r.startsWith("GET /api/tasks"))).toEqual([]);
    expect(requests.at(-1)).toBe("POST /api/sandboxes");
    expect(statusOnCard(reply.card)).toBe("Queued");
  });
});
