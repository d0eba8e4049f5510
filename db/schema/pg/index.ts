import { sql } from "drizzle-orm";
// PostgreSQL schema. Keep table and column names identical to ../sqlite/index.ts:
// the stores are written once against this tree (see db/client.ts for why that is safe).
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { ApprovalRecord } from "../../../domain/model/approval";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const projects = pgTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description").notNull().default(""),
  /** The deploy template a sandbox of the project starts with. */
  defaultTemplate: text("default_template").notNull().default("web-app"),
  createdAt: ts("created_at").notNull(),
  updatedAt: ts("updated_at").notNull(),
});

export const environments = pgTable(
  "environments",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    type: text("type").notNull(),
    status: text("status").notNull().default("active"),
    ttlMinutes: integer("ttl_minutes"),
    expiresAt: ts("expires_at"),
    /** The Kubernetes namespace the environment deploys to; null means `<project>-<environment>`. */
    namespace: text("namespace"),
    /** Deploys and restores here wait for a second person's approval (always for type prod). */
    requiresApproval: boolean("requires_approval").notNull().default(false),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("environments_project_name_uq").on(t.projectId, t.name),
    index("environments_expiry_idx").on(t.status, t.expiresAt),
  ],
);

export const tasks = pgTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    status: text("status").notNull(),
    entityId: text("entity_id").notNull(),
    projectId: text("project_id"),
    correlationId: text("correlation_id").notNull(),
    idempotencyKey: text("idempotency_key").unique(),
    requestedBy: text("requested_by").notNull(),
    source: text("source").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: jsonb("error").$type<{ code: string; message: string; hint?: string }>(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    eventSeq: integer("event_seq").notNull().default(0),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    conversationRef: jsonb("conversation_ref").$type<Record<string, unknown>>(),
    cardActivityId: text("card_activity_id"),
    /** The delivery that may write this task's journal (fencing token) and until when it holds it. */
    leaseToken: text("lease_token"),
    leaseExpiresAt: ts("lease_expires_at"),
    /** W3C traceparent of the span that (re)queued the task: the worker continues that trace. */
    traceContext: text("trace_context"),
    /** The two-person approval of its plan (deploy/restore into an environment that requires it). */
    approval: jsonb("approval").$type<ApprovalRecord>(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("tasks_created_idx").on(t.createdAt, t.id),
    index("tasks_status_created_idx").on(t.status, t.createdAt, t.id),
    index("tasks_type_created_idx").on(t.type, t.createdAt, t.id),
    index("tasks_entity_created_idx").on(t.entityId, t.createdAt, t.id),
  ],
);

export const taskSteps = pgTable(
  "task_steps",
  {
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    idx: integer("idx").notNull(),
    name: text("name").notNull(),
    status: text("status").notNull(),
    percent: integer("percent").notNull().default(0),
    message: text("message"),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.idx] })],
);

export const taskLogs = pgTable(
  "task_logs",
  {
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    at: ts("at").notNull(),
    level: text("level").notNull(),
    step: text("step"),
    message: text("message").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);

export const taskEvents = pgTable(
  "task_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    kind: text("kind").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    at: ts("at").notNull(),
  },
  (t) => [uniqueIndex("task_events_task_seq_uq").on(t.taskId, t.seq)],
);

export const deadLetters = pgTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    taskType: text("task_type").notNull(),
    entityId: text("entity_id").notNull(),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error").notNull(),
    status: text("status").notNull().default("open"),
    resolvedBy: text("resolved_by"),
    resolvedAt: ts("resolved_at"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    index("dead_letters_status_idx").on(t.status, t.createdAt),
    // One open letter per task at most (a redelivered failure must not file a second one).
    uniqueIndex("dead_letters_open_task_uq").on(t.taskId).where(sql`${t.status} = 'open'`),
  ],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    key: text("key").primaryKey(),
    fingerprint: text("fingerprint").notNull(),
    statusCode: integer("status_code"),
    response: jsonb("response").$type<Record<string, unknown>>(),
    headers: jsonb("headers").$type<Record<string, string>>(),
    /** The task the request created, written in the task's own transaction (a retry after a 5xx returns it). */
    taskId: text("task_id"),
    /** Lease of an in-flight claim: once past, the claim's owner is presumed dead and a retry may take it. */
    lockedUntil: ts("locked_until"),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [index("idempotency_keys_expiry_idx").on(t.expiresAt)],
);

export const notificationSettings = pgTable("notification_settings", {
  projectId: text("project_id")
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  teamsWebhookUrl: text("teams_webhook_url"),
  emailList: jsonb("email_list").$type<string[]>().notNull(),
  notifyOn: jsonb("notify_on").$type<string[]>(),
  updatedAt: ts("updated_at").notNull(),
});

export const notificationOutbox = pgTable(
  "notification_outbox",
  {
    id: text("id").primaryKey(),
    channel: text("channel").notNull(),
    routeKey: text("route_key").notNull(),
    projectId: text("project_id"),
    entityId: text("entity_id").notNull(),
    taskId: text("task_id"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull(),
    deliveredAt: ts("delivered_at"),
  },
  (t) => [
    index("notification_outbox_due_idx").on(t.status, t.nextAttemptAt),
    index("notification_outbox_route_idx").on(t.routeKey, t.entityId, t.createdAt),
  ],
);

export const artifacts = pgTable(
  "artifacts",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    path: text("path").notNull(),
    // Dumps pass 2 GiB: int4 would overflow.
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    taskId: text("task_id"),
    engine: text("engine"),
    instanceId: text("instance_id"),
    /** How the artifact was made (server version, duration, table count, simulated). */
    meta: jsonb("meta").$type<Record<string, unknown>>(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("artifacts_instance_idx").on(t.engine, t.instanceId, t.createdAt)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: ts("at").notNull(),
    actor: text("actor").notNull(),
    role: text("role").notNull(),
    source: text("source").notNull(),
    action: text("action").notNull(),
    entity: text("entity"),
    outcome: text("outcome").notNull(),
    requestId: text("request_id"),
    detail: jsonb("detail").$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);

/**
 * Every message the Teams bot posted that it keeps current: a task card (task_id set) or a reply to a
 * command. `source_key` is what caused the post (the incoming activity id, or "welcome"), unique per
 * conversation, so a redelivered activity finds the message already posted instead of posting again.
 * A task card is `settled` once it shows a final state; an unsettled card with `next_attempt_at` is
 * an update still owed to Teams (kept here so a restarted bot carries on).
 */
export const botCards = pgTable(
  "bot_cards",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    sourceKey: text("source_key"),
    activityId: text("activity_id"),
    taskId: text("task_id"),
    conversationRef: jsonb("conversation_ref").$type<Record<string, unknown>>().notNull(),
    deliveredStatus: text("delivered_status"),
    settled: boolean("settled").notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at"),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("bot_cards_source_idx").on(t.conversationId, t.sourceKey),
    uniqueIndex("bot_cards_activity_idx").on(t.conversationId, t.activityId),
    index("bot_cards_task_idx").on(t.taskId),
    index("bot_cards_pending_idx").on(t.settled, t.nextAttemptAt),
  ],
);
