import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubernetesClusters, type KubernetesClusters } from "../../worker/adapters/kubernetes/clusters";
import { createMemoryCluster, type MemoryCluster } from "../../worker/adapters/kubernetes/memory-cluster";
import {
  apiVersionOf,
  RESOURCES,
  type ResourceInfo,
  resourceByPlural,
} from "../../worker/adapters/kubernetes/resources";
import { DEMO_WORKLOADS } from "../../worker/adapters/kubernetes/simulator";
import {
  type KubeStatus,
  KubeStatusError,
  kubeStatus,
  qualifiedResource,
} from "../../worker/adapters/kubernetes/status-error";
import type { KubeObject } from "../../worker/adapters/kubernetes/types";

/** One request as the double saw it, for tests that check what went over the wire. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  body: unknown;
}

type Verb = "get" | "patch" | "create" | "delete";

const SERVICE_ACCOUNT = "system:serviceaccount:cloudops:cloudops";

/**
 * A Kubernetes API server double on a loopback port. It speaks the REST protocol for what the
 * adapter uses (discovery, GET/PATCH/POST/DELETE of deployments, statefulsets, daemonsets, services
 * and namespaces; strategic merge and apply patches; dryRun=All; fieldManager; bearer tokens) and
 * answers errors with Status objects and their real reasons. A controller loop advances rollouts
 * over time. Switches: forbid a verb on a resource (403), inject answers (500, 409, 503...), drop
 * connections. docs/kubernetes.md lists what it reproduces and what it does not.
 */
export async function startKubeApiServer(
  options: {
    tickMs?: number;
    token?: string;
    /** Serve HTTPS with this key and certificate (PEM), as a real API server does; default plain http. */
    tls?: { key: string; cert: string };
  } = {},
) {
  const token = options.token ?? "double-token";
  const cluster: MemoryCluster = createMemoryCluster({ tickMs: options.tickMs ?? 20 });
  const forbidden = new Set<string>();
  const injected: Array<{ code: number; reason: string; message: string } | "drop" | "hang"> = [];
  const seen: SeenRequest[] = [];
  /** Called after a request was served and before its answer is sent (tests change the cluster here). */
  let afterServe: ((request: SeenRequest) => void) | null = null;

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error: unknown) => {
      send(res, kubeStatus(500, "InternalError", `double failed: ${String(error)}`));
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const text = await readBody(req);
    const contentType =
      String(req.headers["content-type"] ?? "")
        .split(";")[0]
        ?.trim() ?? "";
    const body = text ? safeJson(text) : undefined;
    const request: SeenRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      body,
    };
    seen.push(request);
    if (req.headers.authorization !== `Bearer ${token}`) {
      return send(res, kubeStatus(401, "Unauthorized", "Unauthorized"));
    }
    const discovery = discoveryFor(url.pathname);
    if (discovery) return sendJson(res, 200, discovery);
    const route = parsePath(url.pathname);
    if (!route)
      return send(res, kubeStatus(404, "NotFound", "the server could not find the requested resource"));
    const verb = verbOf(req.method ?? "GET", route.name);
    const next = injected.shift();
    if (next === "drop") {
      req.socket.destroy();
      return;
    }
    if (next === "hang") return; // never answers; close() ends the connection
    if (next) return send(res, kubeStatus(next.code, next.reason, next.message));
    if (forbidden.has(`${verb} ${route.info.plural}`)) return send(res, forbid(verb, route));
    try {
      const result = serve(req.method ?? "GET", route, url.searchParams, contentType, text, body);
      afterServe?.(request);
      sendJson(res, result.code, result.object);
    } catch (error) {
      if (error instanceof KubeStatusError) return send(res, error.status);
      throw error;
    }
  }

  function serve(
    method: string,
    route: Route,
    query: URLSearchParams,
    contentType: string,
    text: string,
    body: unknown,
  ): { code: number; object: unknown } {
    const { info, namespace, name } = route;
    const dryRunParam = query.get("dryRun");
    if (dryRunParam !== null && dryRunParam !== "All") {
      throw new KubeStatusError(
        kubeStatus(400, "BadRequest", `Invalid value: "${dryRunParam}": supported values: "All"`),
      );
    }
    const dryRun = dryRunParam === "All";
    const fieldManager = query.get("fieldManager") ?? "";
    if (method === "GET" && name) return { code: 200, object: cluster.get(info, namespace, name) };
    if (method === "DELETE" && name) {
      const gone = cluster.remove(info, namespace, name);
      return { code: 200, object: gone };
    }
    if (method === "POST" && !name) {
      const object = requireObject(body, text);
      if (info.namespaced) object.metadata.namespace = namespace;
      return {
        code: 201,
        object: cluster.create(info, object, { dryRun, fieldManager: fieldManager || "unknown" }),
      };
    }
    if (method === "PATCH" && name) {
      const patch = requireObject(body, text);
      if (contentType === "application/apply-patch+yaml") {
        if (!fieldManager) {
          throw new KubeStatusError(
            kubeStatus(
              422,
              "Invalid",
              `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
            ),
          );
        }
        const force = query.get("force") === "true";
        return {
          code: 200,
          object: cluster.apply(info, namespace, name, patch, { dryRun, fieldManager, force }),
        };
      }
      if (
        contentType === "application/strategic-merge-patch+json" ||
        contentType === "application/merge-patch+json"
      ) {
        if (query.get("force") !== null) {
          throw new KubeStatusError(
            kubeStatus(422, "Invalid", "force: Forbidden: may not be specified for non-apply patch"),
          );
        }
        return {
          code: 200,
          object: cluster.strategicMerge(info, namespace, name, patch, {
            dryRun,
            fieldManager: fieldManager || "unknown",
          }),
        };
      }
      throw new KubeStatusError(
        kubeStatus(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        ),
      );
    }
    throw new KubeStatusError(
      kubeStatus(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "kube-double-"));
  const kubeconfigPath = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfigPath, kubeconfigYaml(url, token));

  return {
    url,
    port,
    token,
    cluster,
    /** A kubeconfig file whose context "double" points at this server (http needs insecure-skip-tls-verify). */
    kubeconfigPath,
    seen,
    /** From now on answer 403 Forbidden to `verb` on `plural` (e.g. "patch", "deployments"). */
    forbid(verb: Verb, plural: string): void {
      forbidden.add(`${verb} ${plural}`);
    },
    /** The next resource requests get these answers (a Status with that code and reason) instead. */
    inject(...answers: Array<{ code: number; reason: string; message?: string } | "drop" | "hang">): void {
      for (const a of answers)
        injected.push(
          typeof a === "string" ? a : { ...a, message: a.message ?? `injected ${a.code} ${a.reason}` },
        );
    },
    /** Runs `hook` after each served request until reset(). */
    afterEachRequest(hook: (request: SeenRequest) => void): void {
      afterServe = hook;
    },
    reset(): void {
      afterServe = null;
      forbidden.clear();
      injected.length = 0;
      seen.length = 0;
    },
    async close(): Promise<void> {
      cluster.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type KubeApiServer = Awaited<ReturnType<typeof startKubeApiServer>>;

/** The double seeded with the demo workloads (prod/api, prod/postgres, ...), as a real cluster would hold them. */
export async function startSeededKubeApiServer(tickMs: number): Promise<KubeApiServer> {
  const server = await startKubeApiServer({ tickMs });
  for (const [kind, ns, name, replicas] of DEMO_WORKLOADS)
    server.cluster.seedWorkload(kind, ns, name, replicas);
  return server;
}

/** What a worker with KUBECONFIG=<the double's kubeconfig> and KUBE_CONTEXT=double gets. */
export function clustersFor(
  server: KubeApiServer,
  pollIntervalMs: number,
  requestTimeoutMs = 5000,
): Promise<KubernetesClusters> {
  return createKubernetesClusters({
    demoMode: false,
    kubeconfig: server.kubeconfigPath,
    context: "double",
    inCluster: false,
    simulatedTickMs: pollIntervalMs,
    pollIntervalMs,
    requestTimeoutMs,
  });
}

interface Route {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
}

/** /api/v1/namespaces[/n], /api/v1/namespaces/{ns}/services[/n], /apis/apps/v1/namespaces/{ns}/{plural}[/n] */
function parsePath(path: string): Route | null {
  const core = /^\/api\/v1\/(.*)$/.exec(path);
  const grouped = /^\/apis\/([^/]+)\/v1\/(.*)$/.exec(path);
  const group = core ? "" : (grouped?.[1] ?? null);
  const rest = core?.[1] ?? grouped?.[2];
  if (group === null || rest === undefined) return null;
  const parts = rest.split("/").map(decodeURIComponent);
  if (parts[0] === "namespaces" && parts.length >= 3) {
    const info = resourceByPlural(group, parts[2] ?? "");
    if (!info?.namespaced || parts.length > 4) return null;
    return { info, namespace: parts[1], name: parts[3] };
  }
  const info = resourceByPlural(group, parts[0] ?? "");
  if (!info || info.namespaced || parts.length > 2) return null;
  return { info, namespace: undefined, name: parts[1] };
}

function verbOf(method: string, name: string | undefined): Verb {
  if (method === "PATCH") return "patch";
  if (method === "POST") return "create";
  if (method === "DELETE") return "delete";
  return name ? "get" : "get";
}

function forbid(verb: Verb, route: Route): KubeStatus {
  const { info, namespace, name } = route;
  const what = `${qualifiedResource(info.group, info.plural)}${name ? ` "${name}"` : ""}`;
  const scope = info.namespaced ? ` in the namespace "${namespace}"` : " at the cluster scope";
  return kubeStatus(
    403,
    "Forbidden",
    `${what} is forbidden: User "${SERVICE_ACCOUNT}" cannot ${verb} resource "${info.plural}" in API group "${info.group}"${scope}`,
    { ...(name ? { name } : {}), group: info.group, kind: info.plural },
  );
}

function discoveryFor(path: string): unknown {
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/(v1))$/.exec(path);
  if (!match) return null;
  const group = match[2] ?? "";
  const resources = RESOURCES.filter((r) => r.group === group);
  if (resources.length === 0) return null;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: resources[0] ? apiVersionOf(resources[0]) : "v1",
    resources: resources.map((r) => ({
      name: r.plural,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    })),
  };
}

function requireObject(body: unknown, text: string): KubeObject {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const object = body as KubeObject;
    if (object.metadata && typeof object.metadata === "object") return object;
  }
  throw new KubeStatusError(
    kubeStatus(400, "BadRequest", `the object provided is unrecognized or malformed: ${text.slice(0, 80)}`),
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function send(res: ServerResponse, status: KubeStatus): void {
  sendJson(res, status.code, status);
}

function kubeconfigYaml(server: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: double",
    "    cluster:",
    `      server: ${server}`,
    "      insecure-skip-tls-verify: true",
    "users:",
    "  - name: cloudops",
    "    user:",
    `      token: ${token}`,
    "contexts:",
    "  - name: double",
    "    context:",
    "      cluster: double",
    "      user: cloudops",
    "  - name: elsewhere",
    "    context:",
    "      cluster: double",
    "      user: cloudops",
    "current-context: double",
    "",
  ].join("\n");
}
