import type { RetryPolicy } from "../../platform/backoff";

/**
 * Every operation the engine runs, with its named steps in order and its retry policy. Handlers in
 * worker/ implement them; the task service (every role) reads `retry.maxAttempts` when it submits.
 */
export const TASK_TYPES = {
  deploy: {
    steps: ["validate", "plan", "apply"],
    entity: "environment",
    retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 },
  },
  "db.backup": {
    steps: ["prepare", "stream to storage"],
    entity: "database instance",
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
  },
  "db.restore": {
    steps: ["validate artifact", "import", "verify"],
    entity: "database instance",
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
  },
  "k8s.restart": {
    steps: ["connect", "rollout restart", "wait until ready"],
    entity: "workload",
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 20_000 },
  },
  "sandbox.create": {
    steps: ["create environment", "schedule expiry"],
    entity: "environment",
    retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 },
  },
  "sandbox.expire": {
    steps: ["expire environment"],
    entity: "environment",
    retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
  },
} as const satisfies Record<string, { steps: readonly string[]; entity: string; retry: RetryPolicy }>;

export type TaskType = keyof typeof TASK_TYPES;
export const TASK_TYPE_NAMES = Object.keys(TASK_TYPES) as TaskType[];

/** The retry policy of every task type, as the task service and the runner read it. */
export function defaultRetryPolicies(): Map<string, RetryPolicy> {
  return new Map(TASK_TYPE_NAMES.map((type) => [type, TASK_TYPES[type].retry]));
}

export function isTaskType(value: string): value is TaskType {
  return Object.hasOwn(TASK_TYPES, value);
}

export function stepsOf(type: TaskType): readonly string[] {
  return TASK_TYPES[type].steps;
}

export const STEP_STATUSES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const TASK_SOURCES = ["api", "bot", "site", "system"] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

export const DB_ENGINES = ["azure-postgres", "azure-sql"] as const;
export type DbEngine = (typeof DB_ENGINES)[number];

export const ENVIRONMENT_TYPES = ["sandbox", "dev", "stage", "prod"] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];
