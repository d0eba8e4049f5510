import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardProblems } from "../../cards/validate";
import { type BotRuntime, startBotRuntime, taskIdOnCard } from "../support/bot-runtime";
import { postgresUrl } from "../support/services";
import { createSourceDatabase, type SourceDatabase } from "../support/source-database";
import { channelMessage } from "../support/teams-activities";

// The bot's backup and restore commands with missing parts answer with a choice card built from
// GET /api/db/instances (and the instance's backups); its buttons send the full command back.

let conversation = 0;
const nextConversation = () => `19:picker-${++conversation}@thread.tacv2`;

/** The commands behind the card's buttons (Action.Submit messageBack), in order. */
function buttonsOf(card: Record<string, unknown>): string[] {
  const found: string[] = [];
  JSON.stringify(card, (_key, value: unknown) => {
    const v = value as { type?: string; data?: { msteams?: { type?: string; text?: string } } } | null;
    if (v?.type === "Action.Submit" && v.data?.msteams?.type === "messageBack" && v.data.msteams.text)
      found.push(v.data.msteams.text);
    return value;
  });
  return found;
}

const textOf = (card: Record<string, unknown>) => JSON.stringify(card);

describe.skipIf(!postgresUrl)("choosing a database instance in Teams", () => {
  let bot: BotRuntime;
  let db: SourceDatabase;

  /** What Teams sends when a messageBack button is clicked: a message with the button's text and data. */
  async function click(conversationId: string, command: string) {
    const activity = {
      ...channelMessage({ serviceUrl: bot.connector.url, conversationId, text: command }),
      value: { msteams: { type: "messageBack", text: command, displayText: command } },
    };
    const answer = await bot.post(activity);
    expect(answer.status).toBe(200);
    return bot.connector.waitFor((c) => c.method === "POST" && c.activityId === activity.id);
  }

  async function waitForTask(taskId: string, status: string) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = (await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as { status: string };
      if (task.status === status) return;
      if (["failed", "succeeded", "cancelled"].includes(task.status))
        throw new Error(`task ${taskId} ended ${task.status}`);
      if (Date.now() > deadline) throw new Error(`task ${taskId} never became ${status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    db = await createSourceDatabase("cloudops_picker");
    await db.query("create table t (id int primary key); insert into t select generate_series(1, 100)");
    bot = await startBotRuntime({
      DB_INSTANCES: JSON.stringify({
        "orders-db": { engine: "azure-postgres", url: db.url, environment: "shop/dev" },
        "reports-db": { engine: "azure-sql", url: "Server=tcp:reports.example.com;Database=reports" },
      }),
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await db?.drop();
  });

  it("answers `backup` with the configured instances, and a button backs one up", async () => {
    const conv = nextConversation();
    const picker = await bot.command(conv, "backup");
    expect(cardProblems(picker.card)).toEqual([]);
    expect(textOf(picker.card)).toContain("Which database should I back up?");
    expect(buttonsOf(picker.card)).toEqual([
      "backup azure-postgres orders-db",
      "backup azure-sql reports-db",
    ]);
    expect(textOf(picker.card)).toContain("environment shop/dev");
    expect(textOf(picker.card)).not.toContain(db.password);
    expect(textOf(picker.card)).not.toContain("reports.example.com");

    const started = await click(conv, buttonsOf(picker.card)[0] ?? "");
    const taskId = taskIdOnCard(
      (started.body as { attachments: Array<{ content: Record<string, unknown> }> }).attachments[0]
        ?.content ?? {},
    );
    await waitForTask(taskId, "succeeded");
  });

  it("lists only the engine's instances for `backup <engine>`", async () => {
    const picker = await bot.command(nextConversation(), "backup azure-sql");
    expect(buttonsOf(picker.card)).toEqual(["backup azure-sql reports-db"]);
  });

  it("backs up an instance named without its engine", async () => {
    const reply = await bot.command(nextConversation(), "backup orders-db");
    await waitForTask(taskIdOnCard(reply.card), "succeeded");
  });

  it("answers an unknown instance with the instances there are, for backup and restore", async () => {
    for (const text of ["backup nosuch-db", "backup azure-postgres nosuch-db", "restore nosuch-db"]) {
      const reply = await bot.command(nextConversation(), text);
      expect(textOf(reply.card), text).toMatch(
        /There is no (azure-postgres|database) instance named “nosuch-db”/,
      );
      expect(buttonsOf(reply.card).length, text).toBeGreaterThan(0);
      expect(cardProblems(reply.card)).toEqual([]);
    }
  });

  it("asks which backup to restore, and a button restores it", async () => {
    const conv = nextConversation();
    const instances = await bot.command(conv, "restore");
    expect(buttonsOf(instances.card)).toEqual([
      "restore azure-postgres orders-db",
      "restore azure-sql reports-db",
    ]);
    const backups = await bot.command(conv, "restore azure-postgres orders-db");
    expect(cardProblems(backups.card)).toEqual([]);
    expect(textOf(backups.card)).toContain("Which backup of orders-db should I restore?");
    const artifacts = (await (await bot.api("GET", "/api/artifacts?instanceId=orders-db")).json()) as {
      items: Array<{ id: string }>;
    };
    expect(artifacts.items.length).toBeGreaterThan(0);
    expect(buttonsOf(backups.card)).toEqual(
      artifacts.items.map((a) => `restore azure-postgres orders-db ${a.id}`),
    );
    const started = await click(conv, buttonsOf(backups.card)[0] ?? "");
    const taskId = taskIdOnCard(
      (started.body as { attachments: Array<{ content: Record<string, unknown> }> }).attachments[0]
        ?.content ?? {},
    );
    await waitForTask(taskId, "succeeded");
  });

  it("says an instance has no backups yet and how to make one", async () => {
    const reply = await bot.command(nextConversation(), "restore azure-sql reports-db");
    expect(textOf(reply.card)).toContain("reports-db has no backups yet");
    expect(textOf(reply.card)).toContain("backup azure-sql reports-db");
  });
});

describe("the bot in demo mode without DB_INSTANCES", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime();
  });
  afterAll(async () => bot?.stop());

  it("explains that any name works (simulated) instead of offering an empty list", async () => {
    const reply = await bot.command(nextConversation(), "backup");
    expect(textOf(reply.card)).toContain("Name the database to back up");
    expect(textOf(reply.card)).toMatch(/simulated/);
    expect(textOf(reply.card)).toContain("backup azure-postgres orders-db");
    expect(buttonsOf(reply.card)).toEqual([]);
  });

  it("deploys the project's default template when the command names none", async () => {
    const created = await bot.api(
      "POST",
      "/api/projects",
      { name: "jobs", defaultTemplate: "worker" },
      "admin",
    );
    const project = (await created.json()) as { id: string };
    await bot.api("POST", `/api/projects/${project.id}/environments`, { name: "dev", type: "dev" }, "admin");
    const reply = await bot.command(nextConversation(), "deploy jobs/dev");
    const task = (await (await bot.api("GET", `/api/tasks/${taskIdOnCard(reply.card)}`)).json()) as {
      payload: Record<string, unknown>;
    };
    expect(task.payload).toMatchObject({ templateId: "worker" });
  });
});
