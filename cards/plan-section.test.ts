import { describe, expect, it } from "vitest";
import type { TaskDetail } from "../contracts/tasks";
import { FIXED_NOW, PUBLIC_URL, runningTask } from "./fixtures/tasks";
import { buildTaskCard } from "./task-card";
import { cardProblems } from "./validate";

const SHA = "4f1d2c0b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f1e";

const waiting: TaskDetail = {
  ...runningTask,
  type: "deploy",
  status: "awaiting_approval",
  requestedBy: "alice@contoso.com",
  result: { planSha256: SHA, plan: { add: 0, change: 1, unchanged: 1 } },
  approval: {
    planSha256: SHA,
    summary: "0 to add, 1 to change, 1 unchanged",
    lines: Array.from({ length: 9 }, (_, i) => `~ Deployment shop-prod/web-${i}: spec.replicas 2 -> 3`),
    requestedAt: "2026-11-20T10:00:10.000Z",
    expiresAt: "2026-11-20T11:00:10.000Z",
    decision: null,
    decidedBy: null,
    decidedAt: null,
    comment: null,
  },
};

type Action = { verb?: string; data?: Record<string, unknown>; title?: string };
const actionsOf = (card: Record<string, unknown>) => (card.actions ?? []) as Action[];
const text = (card: Record<string, unknown>) => JSON.stringify(card);

describe("the plan on a task card", () => {
  it("asks for approval with the plan summary, its checksum and Approve/Reject bound to that checksum", () => {
    const card = buildTaskCard(waiting, { publicUrl: PUBLIC_URL, now: FIXED_NOW });
    expect(cardProblems(card)).toEqual([]);
    const decide = actionsOf(card).filter((a) => a.verb === "approve" || a.verb === "reject");
    expect(decide.map((a) => [a.title, a.data])).toEqual([
      ["Approve", { taskId: waiting.id, planSha256: SHA }],
      ["Reject", { taskId: waiting.id, planSha256: SHA }],
    ]);
    expect(text(card)).toContain(`sha256 ${SHA}`);
    expect(text(card)).toContain("0 to add, 1 to change, 1 unchanged");
    expect(text(card)).toContain("Awaiting approval");
    expect(text(card)).toContain("other than alice@contoso.com");
    // Capped: six lines and a pointer to the dashboard.
    expect(text(card)).toContain("web-5");
    expect(text(card)).not.toContain("web-6");
    expect(text(card)).toContain("3 more line(s) on the dashboard");
    expect(actionsOf(card).map((a) => a.verb)).toContain("cancel");
  });

  it("shows who decided, without buttons, once the task has moved on", () => {
    const approved: TaskDetail = {
      ...waiting,
      status: "succeeded",
      finishedAt: "2026-11-20T10:00:30.000Z",
      approval: {
        ...(waiting.approval as NonNullable<TaskDetail["approval"]>),
        decision: "approved",
        decidedBy: "bob@contoso.com",
        decidedAt: "2026-11-20T10:05:00.000Z",
        comment: "Checked with the team",
      },
    };
    const card = buildTaskCard(approved, { publicUrl: PUBLIC_URL, now: FIXED_NOW });
    expect(cardProblems(card)).toEqual([]);
    expect(
      actionsOf(card)
        .map((a) => a.verb)
        .filter(Boolean),
    ).toEqual([]);
    expect(text(card)).toContain(
      'Approved by bob@contoso.com at 2026-11-20 10:05 UTC: \\"Checked with the team\\"',
    );
  });

  it("shows a deploy's plan and checksum without an approval, and nothing for tasks without a plan", () => {
    const planned: TaskDetail = {
      ...runningTask,
      type: "deploy",
      result: {
        planSha256: SHA,
        plan: { add: 2, change: 0, unchanged: 0 },
        planLines: ["+ Service a/b: new"],
      },
    };
    const card = buildTaskCard(planned, { publicUrl: PUBLIC_URL, now: FIXED_NOW });
    expect(cardProblems(card)).toEqual([]);
    expect(text(card)).toContain("2 to add, 0 to change, 0 unchanged");
    expect(text(card)).toContain("+ Service a/b: new");
    expect(actionsOf(card).some((a) => a.verb === "approve")).toBe(false);
    expect(text(buildTaskCard(runningTask, { publicUrl: PUBLIC_URL, now: FIXED_NOW }))).not.toContain(
      "sha256",
    );
  });
});
