import { AsyncLocalStorage } from "node:async_hooks";
import {
  ApiException,
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
 */
export function createClientTransport(
  kubeConfig: KubeConfig,
  options: { requestTimeoutMs: number },
): KubeTransport {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster");
  const signals = new AsyncLocalStorage<AbortSignal>();
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          const signal = signals.getStore();
          const timeout = AbortSignal.timeout(options.requestTimeoutMs);
          context.setSignal(signal ? AbortSignal.any([signal, timeout]) : timeout);
          return context;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
  const client = new KubernetesObjectApi(configuration);

  async function run<T>(signal: AbortSignal, request: () => Promise<T>): Promise<T> {
    try {
      return await signals.run(signal, request);
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
      return plain(await run(signal, () => client.read(header(ref))));
    },
    async patch(object, strategy, opts, signal) {
      const contentType =
        strategy === "apply" ? PatchStrategy.ServerSideApply : PatchStrategy.StrategicMergePatch;
      const dryRun = opts.dryRun ? "All" : undefined;
      const force = strategy === "apply" ? false : undefined;
      return plain(
        await run(signal, () =>
          client.patch(object, undefined, dryRun, opts.fieldManager, force, contentType),
        ),
      );
    },
    async create(object, signal) {
      return plain(await run(signal, () => client.create(object)));
    },
    async remove(ref, signal) {
      await run(signal, () => client.delete(header(ref)));
    },
  };
}
