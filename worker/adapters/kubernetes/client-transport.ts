import {
  ApiException,
  type Configuration,
  createConfiguration,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
} from "@kubernetes/client-node";
import type { KubeTransport } from "./adapter";
import { type KubeStatus, KubeStatusError, kubeStatus } from "./status-error";
import type { KubeObject, ObjectRef } from "./types";

/** The API server's Status body when it sent one (it always does for errors); else one made from the code. */
function statusOf(error: ApiException<unknown>): KubeStatus {
  const body = typeof error.body === "string" ? safeParse(error.body) : error.body;
  if (body && typeof body === "object" && (body as { kind?: unknown }).kind === "Status") {
    const status = body as Partial<KubeStatus>;
    return kubeStatus(
      error.code,
      String(status.reason ?? ""),
      String(status.message ?? `HTTP ${error.code}`),
      status.details,
    );
  }
  return kubeStatus(error.code, error.code === 401 ? "Unauthorized" : "", `HTTP ${error.code}`);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Typed client models (Dates, class instances) back to wire JSON. */
function plain(value: unknown): KubeObject {
  return JSON.parse(JSON.stringify(value)) as KubeObject;
}

/**
 * The adapter's REST verbs through @kubernetes/client-node's KubernetesObjectApi (discovery, auth
 * and TLS from the kubeconfig). Every request carries the task's AbortSignal and a timeout.
 *
 * The task's signal rides on each call's own configuration (the verbs' last parameter), whose server
 * puts it on the request it makes; the client's middleware then adds the timeout. Until 2026-12-04
 * an AsyncLocalStorage carried it to the middleware, but on Node 20 and 22 the first run() of any
 * AsyncLocalStorage turns on promise hooks for the whole process: after a worker's first Kubernetes
 * request every promise of the process paid for them (see db/sqlite-serial.ts, where the same cost
 * was measured at 15% of the API's task read). Discovery requests (the first of each API group, then
 * cached by the client) have the timeout only.
 */
export function createClientTransport(
  kubeConfig: KubeConfig,
  options: { requestTimeoutMs: number },
): KubeTransport {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster");
  const server = new ServerConfiguration(cluster.server, {});
  const configuration = createConfiguration({
    baseServer: server,
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          const signal = context.getSignal();
          const timeout = AbortSignal.timeout(options.requestTimeoutMs);
          context.setSignal(signal ? AbortSignal.any([signal, timeout]) : timeout);
          return context;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
  const client = new KubernetesObjectApi(configuration);

  /** The client's configuration for one call, its requests carrying `signal`. */
  const withSignal = (signal: AbortSignal): Configuration => ({
    ...configuration,
    baseServer: {
      makeRequestContext(endpoint, method) {
        const context = server.makeRequestContext(endpoint, method);
        context.setSignal(signal);
        return context;
      },
    },
  });

  async function run<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof ApiException) throw new KubeStatusError(statusOf(error));
      throw error;
    }
  }

  const header = (ref: ObjectRef) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
  });

  return {
    async get(ref, signal) {
      return plain(
        await run(() => client.read(header(ref), undefined, undefined, undefined, withSignal(signal))),
      );
    },
    async patch(object, strategy, opts, signal) {
      const contentType =
        strategy === "apply" ? PatchStrategy.ServerSideApply : PatchStrategy.StrategicMergePatch;
      const dryRun = opts.dryRun ? "All" : undefined;
      const force = strategy === "apply" ? false : undefined;
      return plain(
        await run(() =>
          client.patch(object, undefined, dryRun, opts.fieldManager, force, contentType, withSignal(signal)),
        ),
      );
    },
    async create(object, signal) {
      return plain(
        await run(() => client.create(object, undefined, undefined, undefined, withSignal(signal))),
      );
    },
    async remove(ref, signal) {
      await run(() =>
        client.delete(
          header(ref),
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          withSignal(signal),
        ),
      );
    },
  };
}
