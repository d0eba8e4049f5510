import { describe, expect, it } from "vitest";
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isTerminal,
  sourcesOf,
  TASK_STATUSES,
  type TaskStatus,
} from "./task-status";

const legal: Array<[TaskStatus, TaskStatus]> = [
  ["queued", "running"],
  ["queued", "cancelled"],
  ["running", "succeeded"],
  ["running", "failed"],
  ["running", "cancelled"],
  ["failed", "queued"],
  ["running", "awaiting_approval"],
  ["awaiting_approval", "queued"],
  ["awaiting_approval", "cancelled"],
];

const isLegal = (from: TaskStatus, to: TaskStatus) => legal.some(([f, t]) => f === from && t === to);
const allPairs = TASK_STATUSES.flatMap((from) =>
  TASK_STATUSES.map((to) => [from, to] as [TaskStatus, TaskStatus]),
);

describe("task status transitions", () => {
  it.each(legal)("allows %s -> %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(allPairs.filter(([f, t]) => !isLegal(f, t)))("refuses %s -> %s with a typed error", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    try {
      assertTransition(from, to);
      expect.unreachable("assertTransition should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error).toMatchObject({ code: "illegal_transition", from, to });
    }
  });

  it("covers all 36 ordered pairs exactly once", () => {
    expect(allPairs).toHaveLength(36);
    expect(allPairs.filter(([f, t]) => isLegal(f, t))).toHaveLength(9);
  });

  it("names the statuses a move may start from", () => {
    expect(sourcesOf("cancelled").sort()).toEqual(["awaiting_approval", "queued", "running"]);
    expect(sourcesOf("queued").sort()).toEqual(["awaiting_approval", "failed"]);
    expect(sourcesOf("awaiting_approval")).toEqual(["running"]);
  });

  it("treats succeeded, failed and cancelled as terminal", () => {
    expect(TASK_STATUSES.filter(isTerminal)).toEqual(["succeeded", "failed", "cancelled"]);
  });
});
