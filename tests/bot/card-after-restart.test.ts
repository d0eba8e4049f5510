import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BotRuntime, cardOf, startBotRuntime, statusOnCard, taskIdOnCard } from "../support/bot-runtime";
import { type FakeConnector, startFakeConnector } from "../support/fake-connector";

// The card's conversation reference lives with the task, so a process that never saw the command
// (here: the same deployment after a restart) still updates the card in place.
describe("task card after a restart", () => {
  let connector: FakeConnector | undefined;
  let dataDir = "";
  const running: BotRuntime[] = [];

  afterAll(async () => {
    for (const bot of running) await bot.stop().catch(() => undefined);
    await connector?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("is brought to its final state by the restarted process", async () => {
    connector = await startFakeConnector();
    const env = { DEMO_STEP_DELAY_MS: "400", SHUTDOWN_GRACE_MS: "0" };
    dataDir = mkdtempSync(join(tmpdir(), "cloudops-bot-restart-"));
    const first = await startBotRuntime(env, { connector, dataDir });
    running.push(first);
    const reply = await first.command("19:restart@thread.tacv2", "restart prod/worker");
    const taskId = taskIdOnCard(reply.card);
    const deadline = Date.now() + 60_000;
    while (
      ((await (await first.api("GET", `/api/tasks/${taskId}`)).json()) as { status: string }).status !==
      "running"
    ) {
      if (Date.now() > deadline) throw new Error("the task never started");
      await new Promise((r) => setTimeout(r, 20));
    }
    await first.stop();
    running.pop();
    const stoppedAt = Date.now();

    const second = await startBotRuntime(env, { connector, dataDir });
    running.push(second);
    const final = await connector.waitFor(
      (c) =>
        c.method === "PUT" &&
        c.activityId === reply.activityId &&
        c.status === 200 &&
        c.at > stoppedAt &&
        statusOnCard(cardOf(c.body)) === "Succeeded",
      60_000,
    );
    expect(taskIdOnCard(cardOf(final.body))).toBe(taskId);
  }, 180_000);
});
