import { describe, expect, it } from "vitest";
import { BOT_CARD_MAX_BYTES, WEBHOOK_CARD_MAX_BYTES } from "./budget";
import { buildErrorCard } from "./error-card";
import { cardBytes } from "./expand";
import { FALLBACK_VERB_FIELD } from "./fallback";
import { FIXED_NOW, failedTask, PUBLIC_URL, runningTask, worstCaseTask } from "./fixtures/tasks";
import { notificationCard } from "./notification-card";
import { buildTaskCard } from "./task-card";
import { buildTaskListCard, taskRow } from "./task-list-card";
import { cardProblems } from "./validate";

const opts = { publicUrl: PUBLIC_URL, now: FIXED_NOW };
// Three UTF-8 bytes a character, and six once JSON escapes a control character.
const CJK = "部署失敗日志";
const CONTROL = "\u0001\u0002\u0003\u001b";
const heavy = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

function taskFullOf(unit: string) {
  return {
    ...worstCaseTask,
    entityId: heavy(unit, 200),
    requestedBy: heavy(unit, 300),
    error: { code: "x", message: heavy(unit, 5000), hint: heavy(unit, 5000) },
    steps: worstCaseTask.steps.map((s) => ({ ...s, name: heavy(unit, 300), message: heavy(unit, 2000) })),
    logs: worstCaseTask.logs.map((l) => ({ ...l, message: heavy(unit, 4000) })),
  };
}

const refreshUserIds = Array.from({ length: 60 }, (_, i) => `29:${heavy("u", 80)}-${i}`);

describe("card byte budgets (UTF-8, as Teams counts)", () => {
  it.each([
    ["CJK", CJK],
    ["control characters", CONTROL],
  ])("a task card full of %s stays within 40 KB, parses, and points at the dashboard", (_, unit) => {
    const card = buildTaskCard(taskFullOf(unit), { ...opts, refreshUserIds, notice: heavy(unit, 5000) });
    expect(cardBytes(card)).toBeLessThanOrEqual(BOT_CARD_MAX_BYTES);
    expect(cardProblems(card)).toEqual([]);
    const text = JSON.stringify(card);
    expect(text).toContain("on the dashboard");
    expect(text).toContain("Retry");
    expect(text).not.toMatch(/\\u000[1-3]/);
  });

  it.each([
    ["CJK", CJK],
    ["control characters", CONTROL],
  ])("a task list full of %s stays within 40 KB and says how many more the dashboard has", (_, unit) => {
    const rows = Array.from({ length: 200 }, () => ({
      ...taskRow(runningTask),
      heading: heavy(unit, 400),
      detail: heavy(unit, 2000),
    }));
    const card = buildTaskListCard({ title: "Recent tasks", rows, emptyText: "none", publicUrl: PUBLIC_URL });
    expect(cardBytes(card)).toBeLessThanOrEqual(BOT_CARD_MAX_BYTES);
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toMatch(
      /\d+ more on the dashboard\]\(https:\/\/cloudops\.example\.com\/tasks\)/,
    );
  });

  it.each([
    ["CJK", CJK],
    ["control characters", CONTROL],
  ])("a webhook digest full of %s stays within 28 KB", (_, unit) => {
    const items = Array.from({ length: 60 }, (_, i) => ({
      taskId: `tsk_01jd2x5k8m0000abcdefg${String(i).padStart(3, "0")}`,
      taskType: "deploy",
      status: "failed" as const,
      entityLabel: heavy(unit, 300),
      requestedBy: heavy(unit, 300),
      startedAt: "2026-11-20T10:00:02.000Z",
      finishedAt: "2026-11-20T10:05:02.000Z",
      error: heavy(unit, 3000),
    }));
    const digest = notificationCard({ items, publicUrl: PUBLIC_URL, now: FIXED_NOW });
    expect(cardBytes(digest)).toBeLessThanOrEqual(WEBHOOK_CARD_MAX_BYTES);
    expect(cardProblems(digest)).toEqual([]);
    expect(JSON.stringify(digest)).toContain("More on the dashboard");
    const one = notificationCard({ items: items.slice(0, 1), publicUrl: PUBLIC_URL, now: FIXED_NOW });
    expect(cardBytes(one)).toBeLessThanOrEqual(WEBHOOK_CARD_MAX_BYTES);
  });

  it("keeps an ordinary card whole: nothing is cut when it fits", () => {
    const text = JSON.stringify(buildTaskCard(worstCaseTask, opts));
    expect(text).toContain("Last 8 of 500 log lines");
  });
});

describe("Action.Submit fallbacks for clients without Universal Actions", () => {
  it("gives every Action.Execute of the task and error cards a Submit fallback carrying its verb", () => {
    const cards = [
      buildTaskCard(failedTask, opts),
      buildTaskCard(runningTask, opts),
      buildErrorCard({ title: "Nope" }),
    ];
    for (const card of cards) {
      expect(cardProblems(card)).toEqual([]);
      const executes = (card.actions as Array<Record<string, unknown>>).filter(
        (a) => a.type === "Action.Execute",
      );
      expect(executes.length).toBeGreaterThan(0);
      for (const action of executes) {
        expect(action.fallback).toEqual({
          type: "Action.Submit",
          title: action.title,
          ...(action.style ? { style: action.style } : {}),
          data: { ...(action.data as object), [FALLBACK_VERB_FIELD]: action.verb },
        });
      }
    }
  });

  it("reports a fallback the Adaptive Cards SDK cannot read", () => {
    const card = buildTaskCard(failedTask, opts);
    const actions = card.actions as Array<Record<string, unknown>>;
    const broken = { ...card, actions: actions.map((a) => ({ ...a, fallback: { type: "Action.Nope" } })) };
    expect(cardProblems(broken).some((p) => p.includes("fallback"))).toBe(true);
  });
});

describe("deploy card title", () => {
  it("names the project and environment when the bot knows them, not the environment id", () => {
    const deploy = { ...runningTask, type: "deploy", entityId: "env_01jd2x5k8m0000abcdefghjkmn" };
    const card = JSON.stringify(buildTaskCard(deploy, { ...opts, entityLabel: "shop/prod" }));
    expect(card).toContain('"text":"Deploy to shop/prod"');
  });
});
