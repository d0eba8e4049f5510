import { buildApi } from "../../api/app";
import type { ApiDeps, Role } from "../../api/types";
import { type Config, loadConfig } from "../../config";
import type { NotifierPort } from "../../domain/notifier-port";
import type { ArtifactStore } from "../../platform/artifacts/artifact-store";
import { createLocalArtifactStore } from "../../platform/artifacts/local-artifact-store";
import { parseDbInstances } from "../../platform/db-instances";
import { silentLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { createTestEngine, type TestEngine, type TestEngineOptions } from "./engine-harness";

export const TEST_INTERNAL_TOKEN = "test-internal-token-0123456789abcdef";

export interface TestApiOptions {
  /** Environment variables for loadConfig (DEMO_MODE, RATE_LIMIT_PER_MINUTE, OIDC_*, ...). */
  env?: Record<string, string>;
  engine?: TestEngineOptions;
  /** Run the worker so tasks actually execute (default false: tasks stay queued). */
  startWorker?: boolean;
  notifier?: NotifierPort;
  sse?: ApiDeps["sse"];
  /** The store the worker writes and the API reads; default: files under the engine's data dir. */
  artifactStore?: ArtifactStore;
  /** DB_OPERATION_TIMEOUT_MINUTES in milliseconds, so tests can time out in seconds. */
  dbOperationTimeoutMs?: number;
  /** SQLPACKAGE_PATH for the worker (tests point it at tests/doubles/fake-sqlpackage.mjs). */
  sqlPackagePath?: string;
}

export interface TestApi {
  app: ReturnType<typeof buildApi>["app"];
  t: TestEngine;
  deps: ApiDeps;
  config: Config;
  /** app.request as a demo user with `role` (JSON bodies are serialised and typed for you). */
  as(role: Role, user?: string): (path: string, init?: JsonInit) => Promise<Response>;
  close(): Promise<void>;
}

export type JsonInit = Omit<RequestInit, "body"> & { body?: unknown };

/** The HTTP API over a test engine (fresh database, unique Redis prefix) for API, bot and site suites. */
export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  // The worker sees the same DB_INSTANCES as the API, as compose.ts wires them.
  const instances = parseDbInstances(options.env?.DB_INSTANCES);
  const t = await createTestEngine({
    ...options.engine,
    engine: {
      databases: {
        instances,
        demoMode: options.env?.DEMO_MODE !== "false",
        operationTimeoutMs: options.dbOperationTimeoutMs,
        sqlPackagePath: options.sqlPackagePath,
      },
      artifactStore: options.artifactStore,
      ...options.engine?.engine,
    },
  });
  const config = loadConfig({
    DEMO_MODE: "true",
    LOG_LEVEL: "silent",
    INTERNAL_API_TOKEN: TEST_INTERNAL_TOKEN,
    SESSION_SECRET: "test-session-secret-0123456789abcdef",
    OIDC_CLIENT_ID: "cloudops-test-client",
    REDIS_PREFIX: t.prefix.replace(/[^a-zA-Z0-9:_-]/g, "_"),
    DATA_DIR: t.dataDir,
    ...options.env,
  });
  const deps: ApiDeps = {
    config,
    database: t.testDb.database,
    stores: t.stores,
    tasks: t.engine.tasks,
    queue: t.engine.queue,
    bus: t.bus,
    redis: createRedisFactory(options.engine?.redisUrl),
    logger: silentLogger,
    version: "test",
    startedAt: new Date(),
    notifier: options.notifier,
    sse: options.sse,
    artifactStore: options.artifactStore ?? createLocalArtifactStore(t.dataDir),
  };
  const api = buildApi(deps);
  if (options.startWorker) await t.engine.startWorker();

  const as =
    (role: Role, user = `demo-${role}`) =>
    (path: string, init: JsonInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("x-demo-role", role);
      headers.set("x-demo-user", user);
      let body: BodyInit | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      return Promise.resolve(api.app.request(path, { ...init, headers, body }));
    };

  return {
    app: api.app,
    t,
    deps,
    config,
    as,
    async close() {
      await api.close();
      await t.destroy();
    },
  };
}

/**
 * A project with one environment, the usual target of a deployment: prod by default (its deploys
 * wait for approval), or another type for suites about something else.
 */
export async function seedProject(api: TestApi, name = "shop", type: "prod" | "stage" = "prod") {
  const project = await api.t.stores.projects.create({ name });
  const env = await api.t.stores.environments.create(project.id, { name: type, type });
  return { project, env };
}
