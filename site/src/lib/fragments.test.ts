import { describe, expect, it } from "vitest";
import { runningTask } from "../../../cards/fixtures/tasks";
import { taskSummary } from "./fragments";

describe("task summary fragment", () => {
  it("shows a simulated cluster badge for an operation on the demo simulator, and only then", () => {
    const simulated = taskSummary({ ...runningTask, result: { cluster: "simulated" } }).value;
    expect(simulated).toContain('<span class="chip chip-simulated"');
    expect(simulated).toContain(">simulated cluster</span>");
    expect(taskSummary({ ...runningTask, result: { cluster: "kubernetes" } }).value).not.toContain(
      "simulated",
    );
  });
});
