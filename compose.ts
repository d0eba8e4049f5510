import { readFileSync } from "node:fs";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import type { buildApi } from "./api/app";
import { createErrorHandler } from "./api/error-handler";
import { observeSharedState } from "./api/metrics/state-gauges";
import { observeRequests } from "./api/middleware/observe-requests";
import { requestId } from "./api/middleware/request-id";
import { problem } from "./api/problem";
import { registerMetricsEndpoint } from "./api/routes/health/metrics";
import { type ReadinessCheck, registerProbes } from "./api/routes/health/probes";
import type { ApiDeps } from "./api/types";
import type { Bot } from "./bot/create-bot";
import type { Config } from "./config";
import { type Database, openDatabase } from "./db/client";
import { seedIfEmpty } from "./db/seed";
import { createStores, type Stores } from "./db/stores/index";
import { createJournal, type Journal } from "./domain/journal";
import type { TaskQueue } from "./domain/queue-port";
import { createTaskEventBus, type TaskEventBus } from "./domain/task-event-bus";
import { createTaskService, type TaskService } from "./domain/task-service";
import { createArtifactStore } from "./platform/artifacts/create-artifact-store";
import { compressResponse } from "./platform/http-compression";
import type { Logger } from "./platform/logger";
import { createRedisFactory, type RedisFactory } from "./platform/redis";
import { createInstruments } from "./platform/telemetry/instruments";
import { createMetrics, type Metrics } from "./platform/telemetry/metrics";
import { createKubernetesClusters } from "./worker/adapters/kubernetes/index";
import type { Worker } from "./worker/create-worker";
import { createNotifications } from "./worker/notifications/index";
import { createQueue } from "./worker/queue/create-queue";

export const VERSION: string = JSON.parse(
  readFileSync(new URL("./package.json", import.meta.url), "utf8"),
).version;

export interface Runtime {
  config: Config;
  database: Database;
  stores: Stores;
  queue: TaskQueue;
  journal: Journal;
  tasks: TaskService;
  /** The Teams bot; null for roles that serve no bot. */
  bot: Bot | null;
  /** The consumer, reconciler and expiry scheduler; null for roles that run no tasks. */
  worker: Worker | null;
  bus: TaskEventBus;
  redis: RedisFactory;
  app: Hono;
  /** This runtime's meter provider (GET /metrics reads it). */
  metrics: Metrics;
  /** Starts the worker (worker roles) and the HTTP server; resolves with the bound port. */
  start(): Promise<number>;
  /** Stops accepting work, lets running steps finish (or hands tasks back), closes connections. */
  stop(): Promise<void>;
}

const serves = (config: Config, part: "api" | "worker" | "bot") =>
  config.role === "all" || config.role === part;

/** Wires the rooms together for the configured role. */
export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const startedAt = new Date();
  // Metrics first: the rooms below create their instruments from this meter.
  const metrics = await createMetrics({
    serviceName: config.telemetry.serviceName,
    role: config.role,
    otlp: config.telemetry.otlpMetrics,
    exportIntervalMs: config.telemetry.metricExportIntervalMs,
    azureMonitorConnectionString: config.telemetry.azureMonitorConnectionString,
  });
  const instruments = createInstruments(metrics.meter);
  const database = await openDatabase(config.databaseUrl, {
    onCheckpointError: (error) => logger.warn("sqlite wal checkpoint failed", { error }),
  });
  const stores = createStores(database);
  if (config.demoMode && serves(config, "api") && (await seedIfEmpty(stores))) {
    logger.info("demo data seeded into an empty database");
  }
  const redis = createRedisFactory(config.redisUrl);
  const bus = createTaskEventBus({ redis, prefix: config.redisPrefix, logger });
  const queue = await createQueue(
    {
      engine: config.queue.engine,
      maxConcurrentSessions: config.maxConcurrentSessions,
      maxMessagesPerSession: config.maxMessagesPerSession,
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      serviceBusConnectionString: config.queue.serviceBusConnectionString,
      serviceBusQueue: config.queue.serviceBusQueue,
    },
    logger,
  );
  // Every role writes the outbox when it finishes a task (the API cancels queued ones); workers deliver.
  const notifications = createNotifications({ config, stores, logger });
  const journal = createJournal({
    stores,
    bus,
    logger,
    instruments,
    onTerminal: (task, tx) => notifications.trigger.onTaskFinished(task, tx),
    onApprovalRequested: (task, tx) => notifications.trigger.onApprovalRequested(task, tx),
    afterTerminal: () => notifications.dispatcher.kick(),
  });
  const tasks = createTaskService({ stores, queue, journal, logger, instruments });
  // One store for API downloads and worker writes: with ARTIFACT_STORE=azure-blob, api and worker hosts share it.
  const artifactStore = await createArtifactStore({ ...config.artifacts, dataDir: config.dataDir });
  // Each role loads only its own rooms: the worker's adapters, botbuilder and adaptive-expressions (bot),
  // the OpenAPI routes and Astro's handler (api) are dynamic imports, separate chunks in the bundle.
  const worker = serves(config, "worker")
    ? (await import("./worker/create-worker")).createWorker({
        stores,
        queue,
        journal,
        tasks,
        logger,
        instruments,
        dataDir: config.dataDir,
        stepDelayMs: config.demoStepDelayMs,
        artifactStore,
        databases: {
          instances: config.databases.instances,
          demoMode: config.demoMode,
          operationTimeoutMs: config.databases.operationTimeoutMs,
          sqlPackagePath: config.databases.sqlPackagePath,
          retentionDays: config.artifacts.retentionDays,
        },
        approval: { ttlMs: config.approval.ttlMs },
        kubernetes: await createKubernetesClusters({
          ...config.kubernetes,
          demoMode: config.demoMode,
          simulatedTickMs: Math.max(5, Math.round(config.demoStepDelayMs / 2)),
        }),
      })
    : null;

  const app = new Hono();
  app.use("*", requestId());
  app.use("*", observeRequests({ instruments, logger }));
  // JSON, the API reference and problem pages go out compressed (the dashboard's pages compress in
  // site/src/middleware.ts, its assets in platform/asset-cache.ts); event streams never are.
  app.use("*", async (c, next) => {
    await next();
    const compressed = compressResponse(c.req.header("accept-encoding"), c.res);
    if (compressed === c.res) return;
    // Hono's setter copies the old headers (content-length too) onto the new response: clear it first.
    c.res = undefined;
    c.res = compressed;
  });
  app.onError(createErrorHandler(logger));
  const checks: ReadinessCheck[] = [
    { name: "database", check: () => database.ping() },
    { name: "queue", check: () => queue.ping() },
  ];
  registerProbes(app, checks);
  registerMetricsEndpoint(app, { scrape: () => metrics.scrape(), token: config.telemetry.metricsToken });
  // Shared-state gauges from API roles only (every replica would report the same numbers).
  const stopStateGauges = serves(config, "api")
    ? observeSharedState({ meter: metrics.meter, stores, queue, logger })
    : () => undefined;

  const apiDeps: ApiDeps = {
    config,
    database,
    stores,
    tasks,
    queue,
    bus,
    redis,
    logger,
    version: VERSION,
    startedAt,
    notifier: notifications.notifier,
    artifactStore,
    instruments,
  };
  // The bot's endpoint (and the demo Teams emulator) before the API routes; the bot calls the API over HTTP.
  const bot = serves(config, "bot")
    ? (await import("./bot/mount")).mountBot(app, config, logger, instruments)
    : null;
  const api: ReturnType<typeof buildApi> | null = serves(config, "api")
    ? (await import("./api/app")).buildApi(apiDeps)
    : null;
  if (api) app.route("/", api.app);
  // The dashboard answers what the routes above did not (it calls the API in this process; site/mount.ts).
  if (serves(config, "api")) await (await import("./site/mount")).mountSite(app, config, logger);
  app.notFound((c) =>
    problem(c, 404, "route_not_found", "Not found", `No route matches ${c.req.method} ${c.req.path}`),
  );

  let server: ServerType | null = null;
  let stopping: Promise<void> | null = null;

  return {
    config,
    database,
    stores,
    queue,
    journal,
    tasks,
    worker,
    bot,
    bus,
    redis,
    app,
    metrics,
    async start() {
      await worker?.start();
      bot?.start();
      if (serves(config, "worker")) notifications.dispatcher.start();
      return new Promise<number>((resolve, reject) => {
        server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
          resolve(info.port),
        );
        server.once("error", reject);
      });
    },
    stop() {
      stopping ??= (async () => {
        const closing = server
          ? new Promise<void>((resolve) => {
              server?.close(() => resolve());
              // Keep-alive and SSE connections would hold close() open; end them after the grace period.
              setTimeout(
                () => (server as { closeAllConnections?: () => void } | null)?.closeAllConnections?.(),
                1000,
              ).unref();
            })
          : Promise.resolve();
        await bot?.stop();
        await worker?.stop(config.shutdownGraceMs);
        await notifications.dispatcher.stop();
        await closing;
        await Promise.allSettled([queue.close(), bus.close(), api?.close()]);
        stopStateGauges();
        // Pushes the last OTLP metrics (when configured) before the process ends.
        await metrics.shutdown().catch(() => undefined);
        await database.close();
      })();
      return stopping;
    },
  };
}
