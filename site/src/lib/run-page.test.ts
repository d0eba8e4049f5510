import { describe, expect, it } from "vitest";
import { cancelledTask, failedTask, runningTask } from "../../../cards/fixtures/tasks";
import type { TaskHistory } from "../../../contracts/tasks";
import { namesFrom } from "./names";
import { displaySteps, payloadFacts, taskActions, taskSummary } from "./run-page";

const names = namesFrom([
  {
    id: "prj_1",
    name: "shop",
    description: "",
    environments: [{ id: "env_prod", name: "prod", type: "prod" }],
  } as never,
]);
const noHistory: TaskHistory = { taskId: "t", attempts: [], actions: [], deadLetter: null };
const buttons = (html: string) => [...html.matchAll(/<button[^>]*>([^<]+)<\/button>/g)].map((m) => m[1]);

describe("run page sections", () => {
  it("shows a simulated cluster badge for an operation on the demo simulator, and only then", () => {
    const simulated = taskSummary({ ...runningTask, result: { cluster: "simulated" } }, names, null).value;
    expect(simulated).toContain(">simulated cluster</span>");
    expect(
      taskSummary({ ...runningTask, result: { cluster: "kubernetes" } }, names, null).value,
    ).not.toContain("simulated");
  });

  it("shows the correlation id, and the trace as a link when TRACE_URL_TEMPLATE made one", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const summary = (task: Parameters<typeof taskSummary>[0]) => taskSummary(task, names, null).value;
    const untraced = summary({ ...runningTask, correlationId: "teams:1700000123" });
    expect(untraced).toContain("<dt>Correlation id</dt>");
    expect(untraced).toContain(">teams:1700000123</dd>");
    expect(untraced).not.toContain("<dt>Trace</dt>");

    const bare = summary({ ...runningTask, traceId, traceUrl: null });
    expect(bare).toContain(`<span class="mono">${traceId}</span>`);
    expect(bare).not.toContain(`>${traceId}</a>`);

    const url = `https://grafana.example.com/explore?left=x&traceId=${traceId}`;
    const linked = summary({ ...runningTask, traceId, traceUrl: url });
    expect(linked).toContain(`href="https://grafana.example.com/explore?left=x&amp;traceId=${traceId}"`);
    expect(linked).toContain(`>${traceId}</a>`);
  });

  it("offers only the buttons that apply, and asks before Cancel, Skip and a prod redeploy", () => {
    expect(buttons(taskActions(runningTask, "operator", "c", "k", noHistory, names).value)).toEqual([
      "Cancel",
    ]);
    const letter = { id: "dlq_1", status: "open", resolvedBy: null, resolvedAt: null };
    const failed = taskActions(
      failedTask,
      "admin",
      "c",
      "k",
      { ...noHistory, deadLetter: letter },
      names,
    ).value;
    expect(buttons(failed)).toEqual(["Retry", "Skip"]);
    expect(failed).toMatch(/action="\/dlq\/dlq_1\/skip"[^>]*data-confirm=/);
    expect(buttons(taskActions(failedTask, "operator", "c", "k", noHistory, names).value)).toEqual(["Retry"]);
    expect(buttons(taskActions(cancelledTask, "admin", "c", "k", noHistory, names).value)).toEqual([]);
    expect(buttons(taskActions(runningTask, "viewer", "c", "k", noHistory, names).value)).toEqual([]);
    const prodDeploy = {
      ...failedTask,
      type: "deploy",
      entityId: "env_prod",
      payload: { templateId: "web-app" },
    };
    expect(taskActions(prodDeploy, "operator", "c", "k", noHistory, names).value).toContain(
      'data-confirm="Deploy again to the prod environment shop/prod?"',
    );
  });

  it("reads a skipped dead letter as skipped, with who skipped it", () => {
    const history = {
      ...noHistory,
      deadLetter: {
        id: "dlq_1",
        status: "skipped",
        resolvedBy: "carol@contoso.test",
        resolvedAt: "2026-11-20T10:00:00Z",
      },
    };
    const html = taskSummary(failedTask, names, history).value;
    expect(html).toContain("chip-skipped");
    expect(html).toContain("carol@contoso.test");
  });

  it("marks the unfinished steps of a cancelled task as skipped", () => {
    const task = {
      ...cancelledTask,
      steps: cancelledTask.steps.map((s, i) => ({
        ...s,
        status: i === 0 ? ("succeeded" as const) : ("pending" as const),
      })),
    };
    expect(displaySteps(task).map((s) => s.status)).toEqual([
      "succeeded",
      ...task.steps.slice(1).map(() => "skipped"),
    ]);
  });

  it("shows the template and params, and says what a failure injection will do", () => {
    const html = payloadFacts({
      ...failedTask,
      payload: { templateId: "web-app", params: { replicas: 3 }, failAt: "plan", failTimes: 2 },
    }).value;
    expect(html).toContain("web-app");
    expect(html).toContain("replicas=3");
    expect(html).toContain("fails 2 time(s), then succeeds on retry");
  });
});
