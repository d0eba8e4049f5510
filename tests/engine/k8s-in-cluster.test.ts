import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createKubernetesClusters } from "../../worker/adapters/kubernetes/clusters";
import { type KubeApiServer, startKubeApiServer } from "../doubles/kube-api-server";

// Inside a pod (KUBERNETES_SERVICE_HOST set, no KUBECONFIG) the worker uses its service account: the
// token and the cluster CA that Kubernetes mounts under /var/run/secrets/kubernetes.io/serviceaccount.
// The API server double serves HTTPS here with a certificate made by openssl, so the CA check is real.

const dir = mkdtempSync(join(tmpdir(), "cloudops-incluster-"));
const SA = "var/run/secrets/kubernetes.io/serviceaccount";

function certificate(name: string): { key: string; cert: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "2",
    ].concat(["-subj", `/CN=${name}`, "-addext", "subjectAltName=IP:127.0.0.1"]),
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8") };
}

/** A service account folder as a pod has it, under `root`. */
function mountServiceAccount(root: string, token: string, ca: string): void {
  mkdirSync(join(root, SA), { recursive: true });
  writeFileSync(join(root, SA, "token"), token);
  writeFileSync(join(root, SA, "ca.crt"), ca);
  writeFileSync(join(root, SA, "namespace"), "cloudops");
}

const serverCert = certificate("kube-apiserver");
const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
let server: KubeApiServer;

beforeAll(async () => {
  server = await startKubeApiServer({ tickMs: 10, token: "sa-token-0123456789", tls: serverCert });
  server.cluster.seedWorkload("Deployment", "prod", "api", 2);
  process.env.KUBERNETES_SERVICE_HOST = "127.0.0.1";
  process.env.KUBERNETES_SERVICE_PORT = String(server.port);
});
afterEach(() => server.reset());
afterAll(async () => {
  await server?.close();
  process.env.KUBERNETES_SERVICE_HOST = saved.host;
  process.env.KUBERNETES_SERVICE_PORT = saved.port;
  if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
  if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
  rmSync(dir, { recursive: true, force: true });
});

function inCluster(root: string) {
  return createKubernetesClusters({
    demoMode: false,
    kubeconfig: undefined,
    context: undefined,
    inCluster: true,
    serviceAccountRoot: root,
    simulatedTickMs: 10,
    pollIntervalMs: 20,
    requestTimeoutMs: 3000,
  });
}

describe("the in-cluster service account", () => {
  it("restarts a workload over HTTPS with the mounted token, trusting the mounted CA", async () => {
    const root = join(dir, "pod");
    mountServiceAccount(root, "sa-token-0123456789", serverCert.cert);
    const adapter = (await inCluster(root)).forEnvironment(null);
    const signal = new AbortController().signal;
    const workload = await adapter.findWorkload("prod", "api", signal);
    expect(workload).toMatchObject({ kind: "Deployment", namespace: "prod", name: "api" });
    await adapter.restartWorkload(workload, "2026-12-02T17:00:00Z", signal);
    const patch = server.seen.find((r) => r.method === "PATCH");
    expect(patch?.path).toBe("/apis/apps/v1/namespaces/prod/deployments/api");
    expect(patch?.contentType).toBe("application/strategic-merge-patch+json");
  });

  it("refuses a server whose certificate the mounted CA did not sign", async () => {
    const root = join(dir, "other-ca");
    mountServiceAccount(root, "sa-token-0123456789", certificate("someone-else").cert);
    const adapter = (await inCluster(root)).forEnvironment(null);
    await expect(adapter.findWorkload("prod", "api", new AbortController().signal)).rejects.toThrow();
    expect(server.seen).toHaveLength(0);
  });

  it("maps a token the API server does not accept to a permanent error", async () => {
    const root = join(dir, "stale-token");
    mountServiceAccount(root, "a-revoked-token", serverCert.cert);
    const adapter = (await inCluster(root)).forEnvironment(null);
    const error = await adapter.findWorkload("prod", "api", new AbortController().signal).catch((e) => e);
    expect(error).toMatchObject({ code: "forbidden" });
  });
});
