import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeApiServer, startSeededKubeApiServer } from "../doubles/kube-api-server";

// On Node 20 and 22 the first run() of any AsyncLocalStorage switches on promise hooks for the whole
// process, for good: every promise then pays for context propagation (15% of the API's task read,
// docs/performance.md). The SQLite client and the Kubernetes transport used one each; this keeps
// a worker's first task from switching them on again. Each probe runs in a process of its own.
const PROBE = resolve(import.meta.dirname, "../support/promise-hooks-probe.ts");
const run = promisify(execFile);

async function probe(...args: string[]): Promise<Record<string, boolean>> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", PROBE, ...args], {
    cwd: resolve(import.meta.dirname, "../.."),
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, boolean>;
}

describe("promise hooks", () => {
  let dir: string;
  let kube: KubeApiServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cloudops-hooks-"));
    kube = await startSeededKubeApiServer(10);
  });
  afterAll(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stay off after a worker's first SQLite transaction and Kubernetes request", async (context) => {
    const control = await probe("control", dir);
    expect(control.atStart).toBe(false);
    // Node 24 runs AsyncLocalStorage without promise hooks: there is nothing to keep off.
    if (!control.afterAsyncLocalStorage) context.skip();
    expect(await probe("server", dir, kube.kubeconfigPath)).toEqual({
      atStart: false,
      afterTransaction: false,
      afterKubernetes: false,
    });
  });
});
