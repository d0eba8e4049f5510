import { clustersFor, type KubeApiServer, startSeededKubeApiServer } from "../doubles/kube-api-server";
import { createTestEngine, type TestEngine } from "./engine-harness";

/** A task engine whose worker talks to the Kubernetes API server double through a kubeconfig. */
export async function startEngineOnKubeDouble(
  tickMs: number,
): Promise<{ server: KubeApiServer; t: TestEngine; close(): Promise<void> }> {
  const server = await startSeededKubeApiServer(tickMs);
  const t = await createTestEngine({
    engine: { handlerDeps: { kubernetes: await clustersFor(server, tickMs) } },
  });
  await t.engine.startWorker();
  return {
    server,
    t,
    async close() {
      await t.destroy();
      await server.close();
    },
  };
}
