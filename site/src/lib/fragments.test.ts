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

  it("shows the correlation id, and the trace as a link when TRACE_URL_TEMPLATE made one", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const untraced = taskSummary({ ...runningTask, correlationId: "teams:1700000123" }).value;
    expect(untraced).toContain("<dt>Correlation id</dt>");
    expect(untraced).toContain(">teams:1700000123</dd>");
    expect(untraced).not.toContain("<dt>Trace</dt>");

    const bare = taskSummary({ ...runningTask, traceId, traceUrl: null }).value;
    expect(bare).toContain(`<span class="mono">${traceId}</span>`);
    expect(bare).not.toContain("<a ");

    const url = `https://grafana.example.com/explore?left=x&traceId=${traceId}`;
    const linked = taskSummary({ ...runningTask, traceId, traceUrl: url }).value;
    expect(linked).toContain(`href="https://grafana.example.com/explore?left=x&amp;traceId=${traceId}"`);
    expect(linked).toContain(`>${traceId}</a>`);
  });
});
