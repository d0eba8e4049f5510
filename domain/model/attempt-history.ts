import type { TaskEvent } from "./events";

export type AttemptOutcome = "running" | "retrying" | "succeeded" | "failed" | "cancelled" | "handed_back";

/** One run of a task: when it started and ended, how, and the error that ended it. */
export interface Attempt {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: AttemptOutcome;
  error: string | null;
}

// The runner's own words (worker/runner/task-runner.ts): a retry after backoff keeps the status
// running, so these log lines are where one attempt ends and the next begins.
const STARTING = /Attempt (\d+) of \d+ starting/;
const FAILED = /Attempt (\d+) of \d+ failed: (.*?)\. Retrying in/s;
const HANDED_BACK = /Worker stopping: task handed back to the queue/;

/** Attempts of a task from its status events and attempt log lines, oldest first. */
export function attemptHistory(events: readonly TaskEvent[]): Attempt[] {
  const attempts: Attempt[] = [];
  const open = () => {
    const last = attempts[attempts.length - 1];
    return last && last.finishedAt === null ? last : null;
  };
  const start = (n: number, at: string) => {
    const current = open();
    if (current?.attempt === n) return;
    if (current) Object.assign(current, { finishedAt: at, outcome: "retrying" });
    attempts.push({ attempt: n, startedAt: at, finishedAt: null, outcome: "running", error: null });
  };
  for (const event of events) {
    const data = event.data;
    if (data.kind === "status") {
      if (data.status === "running") start(Math.max(1, data.attempts ?? attempts.length + 1), event.at);
      else if (data.status !== "queued") {
        const current = open();
        if (current)
          Object.assign(current, {
            finishedAt: event.at,
            outcome: data.status,
            error: data.error ? `${data.error.code}: ${data.error.message}` : null,
          });
      }
    } else if (data.kind === "log") {
      const failed = FAILED.exec(data.message);
      const starting = STARTING.exec(data.message);
      const current = open();
      if (failed && current)
        Object.assign(current, { finishedAt: event.at, outcome: "retrying", error: failed[2] ?? null });
      else if (starting) start(Number(starting[1]), event.at);
      else if (HANDED_BACK.test(data.message) && current)
        Object.assign(current, { finishedAt: event.at, outcome: "handed_back" });
    }
  }
  return attempts;
}
