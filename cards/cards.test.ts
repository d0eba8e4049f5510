import { describe, expect, it } from "vitest";
import { buildErrorCard } from "./error-card";
import { type CardJson, cardBytes } from "./expand";
import { buildFactsCard } from "./facts-card";
import {
  cancelledTask,
  FIXED_NOW,
  failedTask,
  PUBLIC_URL,
  queuedTask,
  runningTask,
  succeededTask,
  worstCaseTask,
} from "./fixtures/tasks";
import { buildHelpCard } from "./help-card";
import { notificationCard } from "./notification-card";
import { buildTaskCard } from "./task-card";
import { buildTaskListCard, taskRow } from "./task-list-card";
import { cardProblems } from "./validate";

const MAX_CARD_BYTES = 28 * 1024;
const opts = { publicUrl: PUBLIC_URL, now: FIXED_NOW };
const helpCommands = Array.from({ length: 12 }, (_, i) => ({
  usage: `command${i} <argument-one> <argument-two> [optional]`,
  description: `What command ${i} does, said in a sentence a person reads once. `.repeat(3),
  example: `command${i} prod/API something`,
}));

// Each card at its largest realistic content, the notifications engineer's card included.
const worstCases: Array<[string, () => CardJson | Promise<CardJson>]> = [
  ["task", () => buildTaskCard(worstCaseTask, { ...opts, notice: "N".repeat(5000) })],
  ["help", () => buildHelpCard(helpCommands, opts)],
  [
    "task list",
    () =>
      buildTaskListCard({
        title: "Recent tasks",
        rows: Array.from({ length: 200 }, () => ({ ...taskRow(worstCaseTask), detail: "d".repeat(2000) })),
        emptyText: "none",
        publicUrl: PUBLIC_URL,
      }),
  ],
  [
    "error",
    () =>
      buildErrorCard({
        title: "T".repeat(5000),
        detail: "D".repeat(50_000),
        hint: "H".repeat(50_000),
        usage: "U".repeat(5000),
        example: "E".repeat(5000),
        reference: "R".repeat(5000),
      }),
  ],
  [
    "facts",
    () =>
      buildFactsCard({
        title: "T".repeat(5000),
        subtitle: "S".repeat(5000),
        facts: Array.from({ length: 200 }, () => ({ title: "t".repeat(500), value: "v".repeat(5000) })),
        footnote: "F".repeat(5000),
      }),
  ],
];

const finished = (i: number, error: string | null) => ({
  taskId: `tsk_01jd2x5k8m0000abcdefg${String(i).padStart(3, "0")}`,
  taskType: "deploy",
  status: error ? ("failed" as const) : ("succeeded" as const),
  entityLabel: `${"project-with-a-long-name/".repeat(4)}prod`,
  requestedBy: "Very Long Display Name ".repeat(5),
  startedAt: "2026-11-20T10:00:02.000Z",
  finishedAt: "2026-11-20T10:05:02.000Z",
  error,
});
// A digest folds the tasks of one entity finished inside NOTIFY_WINDOW_SECONDS (120 s): ~30 at demo
// speed. The card does not cap its items (50 make 39 KB): reported to the notifications engineer.
worstCases.push(
  [
    "notification (one task)",
    () => notificationCard({ items: [finished(0, "E".repeat(5000))], publicUrl: PUBLIC_URL, now: FIXED_NOW }),
  ],
  [
    "notification (digest)",
    () =>
      notificationCard({
        items: Array.from({ length: 30 }, (_, i) => finished(i, "E".repeat(2000))),
        publicUrl: PUBLIC_URL,
        now: FIXED_NOW,
      }),
  ],
);

describe("every card", () => {
  it.each(worstCases)(
    "the %s card parses without warnings and stays under 28 KB at its largest",
    async (_, make) => {
      const card = await make();
      expect(cardProblems(card)).toEqual([]);
      expect(cardBytes(card)).toBeLessThan(MAX_CARD_BYTES);
    },
  );
});

describe("task card", () => {
  it.each([
    ["queued", queuedTask],
    ["running", runningTask],
    ["succeeded", succeededTask],
    ["failed", failedTask],
    ["cancelled", cancelledTask],
  ] as const)("renders a %s task as a valid card matching its snapshot", async (status, task) => {
    const card = buildTaskCard(task, opts);
    expect(cardProblems(card)).toEqual([]);
    await expect(JSON.stringify(card, null, 2)).toMatchFileSnapshot(`__snapshots__/task-${status}.json`);
  });

  const actionsOf = (card: CardJson) => card.actions as Array<Record<string, unknown>>;

  it("offers Retry only on a failed task and Cancel only while queued or running", () => {
    const verbs = (task: typeof runningTask) =>
      actionsOf(buildTaskCard(task, opts))
        .filter((a) => a.type === "Action.Execute")
        .map((a) => [a.verb, a.data]);
    const data = { taskId: runningTask.id };
    expect(verbs(failedTask)).toEqual([["retry", data]]);
    expect(verbs(queuedTask)).toEqual([["cancel", data]]);
    expect(verbs(runningTask)).toEqual([["cancel", data]]);
    expect(verbs(succeededTask)).toEqual([]);
    expect(verbs(cancelledTask)).toEqual([]);
  });

  it("links to the task in the dashboard and refreshes with the refresh verb", () => {
    const card = buildTaskCard(runningTask, opts);
    expect(actionsOf(card).find((a) => a.type === "Action.OpenUrl")).toMatchObject({
      title: "Open in dashboard",
      url: `${PUBLIC_URL}/tasks/${runningTask.id}`,
    });
    expect(card.refresh).toMatchObject({
      action: { type: "Action.Execute", verb: "refresh", data: { taskId: runningTask.id } },
    });
  });

  it("shows the queue position while queued, and the error with its hint when failed", () => {
    const queued = JSON.stringify(buildTaskCard(queuedTask, opts));
    expect(queued).toContain('"title":"Queue position","value":"2 ahead"');
    const failed = JSON.stringify(buildTaskCard(failedTask, opts));
    expect(failed).toContain("Step plan failed (injected)");
    expect(failed).toContain("Retry the task, or remove failAt");
    expect(JSON.stringify(buildTaskCard(runningTask, opts))).not.toContain("Queue position");
  });

  it("wears a simulated cluster badge when the operation ran on the demo simulator, and only then", () => {
    const simulated = buildTaskCard({ ...runningTask, result: { cluster: "simulated" } }, opts);
    expect(cardProblems(simulated)).toEqual([]);
    expect(JSON.stringify(simulated)).toContain('"text":"simulated cluster"');
    const real = buildTaskCard({ ...runningTask, result: { cluster: "kubernetes" } }, opts);
    expect(JSON.stringify(real)).not.toContain("simulated cluster");
  });

  it("keeps only the last log lines and says how many there were", () => {
    const text = JSON.stringify(buildTaskCard(worstCaseTask, opts));
    expect(text).toContain("Last 8 of 500 log lines");
    expect(text).toContain("line 499 ");
    expect(text).not.toContain("line 491 ");
  });

  it("does not evaluate template expressions typed into task data", () => {
    const typed = ["$", "{id} $", "{count(logs)}"].join("");
    const card = buildTaskCard({ ...runningTask, entityId: typed }, opts);
    expect(JSON.stringify(card)).toContain(typed);
  });
});

describe("other cards", () => {
  it("the help card lists every command with a mention example", async () => {
    const card = buildHelpCard(
      [
        {
          usage: "restart <namespace>/<workload>",
          description: "Restart a workload",
          example: "restart prod/api",
        },
      ],
      opts,
    );
    expect(JSON.stringify(card)).toContain("Example: @CloudOps restart prod/api");
    await expect(JSON.stringify(card, null, 2)).toMatchFileSnapshot("__snapshots__/help.json");
  });

  it("the task list card shows each task with its status and an empty text when there are none", async () => {
    const card = buildTaskListCard({
      title: "Recent tasks",
      rows: [runningTask, failedTask].map(taskRow),
      emptyText: "No tasks yet",
      publicUrl: PUBLIC_URL,
    });
    expect(cardProblems(card)).toEqual([]);
    await expect(JSON.stringify(card, null, 2)).toMatchFileSnapshot("__snapshots__/task-list.json");
    const empty = buildTaskListCard({
      title: "Recent tasks",
      rows: [],
      emptyText: "No tasks yet",
      publicUrl: PUBLIC_URL,
    });
    expect(cardProblems(empty)).toEqual([]);
    expect(JSON.stringify(empty)).toContain("No tasks yet");
  });

  it("the error card says what went wrong, the fix and the usage", async () => {
    const card = buildErrorCard({
      title: "I don't know the command “restat”",
      hint: "Did you mean restart?",
      usage: "restart <namespace>/<workload>",
      example: "@CloudOps restart prod/api",
    });
    expect(cardProblems(card)).toEqual([]);
    await expect(JSON.stringify(card, null, 2)).toMatchFileSnapshot("__snapshots__/error.json");
  });

  it("the facts card lists its facts", async () => {
    const card = buildFactsCard({
      title: "Monthly cost estimate",
      facts: [{ title: "Compute", value: "$70.08" }],
      footnote: "Pay-as-you-go list prices",
    });
    expect(cardProblems(card)).toEqual([]);
    await expect(JSON.stringify(card, null, 2)).toMatchFileSnapshot("__snapshots__/facts.json");
  });
});
