import { tracedMethods } from "../../platform/telemetry/spans";
import type { HandlerDeps } from "../handlers/deps";

/**
 * The handlers' adapters with one client span per call (`k8s.restartWorkload`, `dbtool.azure-postgres.backup`,
 * `blob.put`, ...), children of the step span that made the call. Spans say `simulated` when the
 * adapter is the demo simulator. Without a tracing SDK the wrappers only pass calls through.
 */
export function tracedAdapters(deps: HandlerDeps): HandlerDeps {
  const { storage, kubernetes, databases } = deps;
  const engines = Object.fromEntries(
    Object.entries(databases.engines).map(([engine, adapter]) => [
      engine,
      tracedMethods(adapter, `dbtool.${engine}`, { "cloudops.adapter.simulated": false }),
    ]),
  ) as typeof databases.engines;
  return {
    ...deps,
    storage: tracedMethods(storage, storage.kind === "azure-blob" ? "blob" : "artifacts", {
      "cloudops.adapter.kind": storage.kind,
    }),
    kubernetes: {
      forEnvironment: (environmentId) => {
        const adapter = kubernetes.forEnvironment(environmentId);
        return tracedMethods(adapter, "k8s", {
          "cloudops.adapter.simulated": adapter.simulated,
          "cloudops.k8s.cluster": adapter.description,
        });
      },
    },
    databases: {
      ...databases,
      engines,
      simulated: tracedMethods(databases.simulated, "dbtool.simulated", {
        "cloudops.adapter.simulated": true,
      }),
    },
  };
}
