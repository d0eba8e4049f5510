import type * as schema from "./schema/pg/index";

export type TaskRow = typeof schema.tasks.$inferSelect;
export type TaskStepRow = typeof schema.taskSteps.$inferSelect;
export type TaskLogRow = typeof schema.taskLogs.$inferSelect;
export type ProjectRow = typeof schema.projects.$inferSelect;
export type EnvironmentRow = typeof schema.environments.$inferSelect;
export type DeadLetterRow = typeof schema.deadLetters.$inferSelect;
export type ArtifactRow = typeof schema.artifacts.$inferSelect;
export type AuditRow = typeof schema.auditLog.$inferSelect;
export type NotificationSettingsRow = typeof schema.notificationSettings.$inferSelect;
export type NotificationOutboxRow = typeof schema.notificationOutbox.$inferSelect;
export type BotCardRow = typeof schema.botCards.$inferSelect;
export type IdempotencyRow = typeof schema.idempotencyKeys.$inferSelect;

export interface TaskDetail {
  task: TaskRow;
  steps: TaskStepRow[];
  logs: TaskLogRow[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
