import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config";
import type { Database } from "../db/client";
import type { Stores } from "../db/stores/index";
import type { NotifierPort } from "../domain/notifier-port";
import type { TaskQueue } from "../domain/queue-port";
import type { TaskEventBus } from "../domain/task-event-bus";
import type { TaskService } from "../domain/task-service";
import type { ArtifactStore } from "../platform/artifacts/artifact-store";
import type { Logger } from "../platform/logger";
import type { RedisFactory } from "../platform/redis";
import type { Instruments } from "../platform/telemetry/instruments";

export type Role = "viewer" | "operator" | "admin";

export interface Principal {
  id: string;
  name: string;
  role: Role;
  source: "api" | "bot" | "site";
}

/** What a mutating handler tells the audit middleware about the request it served. */
export interface AuditNote {
  entity?: string;
  detail?: Record<string, unknown>;
}

export interface AppVariables {
  requestId: string;
  user: Principal;
  audit: AuditNote;
  /** The request's Idempotency-Key claim (set by the idempotency middleware when the header is sent). */
  idempotency?: { key: string; taskId: string | null };
}

export type AppEnv = { Variables: AppVariables };
export type ApiApp = OpenAPIHono<AppEnv>;

/** Everything the API needs, passed in (tests build their own). */
export interface ApiDeps {
  config: Config;
  database: Database;
  stores: Stores;
  tasks: TaskService;
  queue: TaskQueue;
  bus: TaskEventBus;
  redis: RedisFactory;
  logger: Logger;
  version: string;
  startedAt: Date;
  /** Notification sending (worker/notifications); absent until wired, then the API answers "would send". */
  notifier?: NotifierPort;
  /** Where artifact content is read for downloads; absent: downloads answer 503. */
  artifactStore?: ArtifactStore;
  /** HTTP, SSE and task metrics of this process (default: none recorded). */
  instruments?: Instruments;
  /** SSE tuning; defaults: heartbeat every 15 s, 256 KiB buffered per client. */
  sse?: { heartbeatMs?: number; maxBufferBytes?: number };
}
