import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskDetail } from "../../contracts/tasks";
import {
  type BotRuntime,
  cardOf,
  startBotRuntime,
  statusOnCard,
  taskIdOnCard,
  verbsOnCard,
} from "../support/bot-runtime";
import type { ConnectorCall } from "../support/fake-connector";
import { ADELE, cardActionInvoke, type TeamsUser } from "../support/teams-activities";

// Two-person approval from Teams: a production deploy's card asks for approval; Approve and Reject
// are Action.Execute buttons, refused with a helpful line for the requester and for viewers.

const VIEWER: TeamsUser = {
  id: "29:viewer",
  name: "Vic Viewer",
  aadObjectId: "11111111-0000-4000-8000-0000000000vv",
};
const BEN: TeamsUser = {
  id: "29:ben",
  name: "Ben Operator",
  aadObjectId: "22222222-0000-4000-8000-0000000000bb",
};

let bot: BotRuntime;
let conversation = 0;
const nextConversation = () => `19:approval-${++conversation}@thread.tacv2`;

beforeAll(async () => {
  bot = await startBotRuntime({
    DEMO_STEP_DELAY_MS: "60",
    TEAMS_USER_ROLES: `${VIEWER.aadObjectId}=viewer,${BEN.aadObjectId}=operator,${ADELE.aadObjectId}=operator`,
  });
});
afterAll(async () => bot?.stop());

async function task(taskId: string): Promise<TaskDetail> {
  return (await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as TaskDetail;
}

async function waitForStatus(taskId: string, status: string): Promise<TaskDetail> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const now = await task(taskId);
    if (now.status === status) return now;
    if (Date.now() > deadline) throw new Error(`task ${taskId} is ${now.status}, never ${status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const isUpdateOf = (activityId: string, status: string) => (c: ConnectorCall) =>
  c.method === "PUT" &&
  c.activityId === activityId &&
  c.status === 200 &&
  statusOnCard(cardOf(c.body)) === status;

function click(conv: string, cardId: string, verb: string, data: Record<string, unknown>, user: TeamsUser) {
  return bot.post(
    cardActionInvoke({
      serviceUrl: bot.connector.url,
      conversationId: conv,
      replyToId: cardId,
      verb,
      data,
      user,
    }),
  );
}
const cardText = (answer: { body: unknown }) => JSON.stringify((answer.body as { value: unknown }).value);

describe("approval from a Teams card", () => {
  it("asks for approval on the card, refuses the requester and a viewer, and runs once a second operator approves", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "deploy shop/prod");
    const taskId = taskIdOnCard(reply.card);
    const waiting = await waitForStatus(taskId, "awaiting_approval");
    const sha = waiting.approval?.planSha256 ?? "";
    expect(sha).toMatch(/^[0-9a-f]{64}$/);

    // The card the bot keeps current shows the plan, its checksum and the two buttons.
    const update = await bot.connector.waitFor(isUpdateOf(reply.activityId, "Awaiting approval"));
    const card = cardOf(update.body);
    expect(verbsOnCard(card)).toEqual(["approve", "reject", "cancel"]);
    expect(JSON.stringify(card)).toContain(`sha256 ${sha}`);
    expect(JSON.stringify(card)).toContain(waiting.approval?.summary ?? "missing");

    const self = await click(conv, reply.activityId, "approve", { taskId, planSha256: sha }, ADELE);
    expect(self.status).toBe(200);
    expect(cardText(self)).toContain("a second person must");
    expect(cardText(self)).toContain("Ask another operator or admin to approve it");

    const viewer = await click(conv, reply.activityId, "approve", { taskId, planSha256: sha }, VIEWER);
    expect(cardText(viewer)).toContain("You can't approve tasks: your role is viewer");
    expect((await task(taskId)).status).toBe("awaiting_approval");
    expect((await task(taskId)).approval?.decision).toBeNull();

    const approved = await click(
      conv,
      reply.activityId,
      "approve",
      { taskId, planSha256: sha, comment: "Looks right" },
      BEN,
    );
    expect(approved.status).toBe(200);
    expect(cardText(approved)).not.toContain("a second person must");
    const done = await waitForStatus(taskId, "succeeded");
    expect(done.approval).toMatchObject({
      decision: "approved",
      decidedBy: BEN.aadObjectId,
      comment: "Looks right",
    });
    const final = await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"));
    expect(verbsOnCard(cardOf(final.body))).toEqual([]);
    expect(JSON.stringify(cardOf(final.body))).toContain(`Approved by ${BEN.aadObjectId}`);
  }, 60_000);

  it("rejects from the card with a comment, and refuses a click on a plan the card no longer shows", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "deploy payments/prod");
    const taskId = taskIdOnCard(reply.card);
    await waitForStatus(taskId, "awaiting_approval");

    const stale = await click(conv, reply.activityId, "approve", { taskId, planSha256: "a".repeat(64) }, BEN);
    expect(cardText(stale)).toContain("Reload the task and review the current plan before approving");
    expect((await task(taskId)).status).toBe("awaiting_approval");

    const rejected = await click(conv, reply.activityId, "reject", { taskId, comment: "Freeze week" }, BEN);
    expect(rejected.status).toBe(200);
    const cancelled = await waitForStatus(taskId, "cancelled");
    expect(cancelled.error).toMatchObject({ code: "approval_rejected" });
    expect(cancelled.approval).toMatchObject({ decision: "rejected", comment: "Freeze week" });
    const late = await click(conv, reply.activityId, "approve", { taskId }, BEN);
    expect(cardText(late)).toContain("only a task awaiting approval can be approved");
  }, 60_000);
});
