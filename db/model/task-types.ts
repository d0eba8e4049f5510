/** Every operation the engine runs, with its named steps in order. Handlers in worker/ implement them. */
export const TASK_TYPES = {
  deploy: { steps: ["validate", "plan", "apply"], entity: "environment" },
  "db.backup": { steps: ["prepare", "stream to storage"], entity: "database instance" },
  "db.restore": { steps: ["validate artifact", "import", "verify"], entity: "database instance" },
  "k8s.restart": { steps: ["connect", "rollout restart", "wait until ready"], entity: "workload" },
  "sandbox.create": { steps: ["create environment", "schedule expiry"], entity: "environment" },
  "sandbox.expire": { steps: ["expire environment"], entity: "environment" },
} as const satisfies Record<string, { steps: readonly string[]; entity: string }>;

export type TaskType = keyof typeof TASK_TYPES;
export const TASK_TYPE_NAMES = Object.keys(TASK_TYPES) as TaskType[];

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
