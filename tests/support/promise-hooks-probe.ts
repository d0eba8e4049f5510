/**
 * Child process of tests/engine/promise-hooks.test.ts: `node --import tsx promise-hooks-probe.ts
 * <mode> <dir> [kubeconfig]`. Prints, as JSON, whether Node's promise hooks are on at each point.
 * Mode "control" switches them on with an AsyncLocalStorage (to show the probe sees them); mode
 * "server" does what a worker does on its first task: a SQLite transaction and a Kubernetes request.
 */
import { AsyncLocalStorage, executionAsyncId } from "node:async_hooks";
import { join } from "node:path";
import { openDatabase } from "../../db/client";
import { createKubernetesClusters } from "../../worker/adapters/kubernetes/clusters";

/** With promise hooks off, a continuation after `await` runs with no async id (0); with them on, its promise's. */
async function hooksOn(): Promise<boolean> {
  await null;
  return executionAsyncId() !== 0;
}

const [mode, dir, kubeconfig] = process.argv.slice(2);
const seen: Record<string, boolean> = { atStart: await hooksOn() };
if (mode === "control") {
  new AsyncLocalStorage<number>().run(1, () => undefined);
  seen.afterAsyncLocalStorage = await hooksOn();
} else {
  const database = await openDatabase(`file:${join(dir ?? ".", "probe.db")}`);
  await database.transaction(async (tx) => {
    await tx.rawQuery("select 1", []);
  });
  await database.close();
  seen.afterTransaction = await hooksOn();
  const clusters = await createKubernetesClusters({
    demoMode: false,
    kubeconfig,
    context: "double",
    inCluster: false,
    simulatedTickMs: 10,
  });
  await clusters.forEnvironment(null).findWorkload("prod", "api", new AbortController().signal);
  seen.afterKubernetes = await hooksOn();
}
console.log(JSON.stringify(seen));
