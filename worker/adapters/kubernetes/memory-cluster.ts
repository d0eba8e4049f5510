import { randomUUID } from "node:crypto";
import {
  clone,
  deletePath,
  dotted,
  getPath,
  isObject,
  jsonEqual,
  leafFields,
  mergeMaps,
  pathOf,
  setPath,
} from "./json-fields";
import { apiVersionOf, type ResourceInfo, resourceByKind } from "./resources";
import { KubeStatusError, kubeStatus, notFound, qualifiedResource } from "./status-error";
import type { JsonObject, KubeObject, WorkloadKind } from "./types";

/** How the controller treats one workload's rollouts (the test switches of the double). */
export type RolloutBehaviour = "normal" | "stuck" | "progress-deadline";

interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  force?: boolean;
}

interface Pods {
  old: number;
  ready: number;
  starting: number;
}

const IDENTITY = new Set(['["apiVersion"]', '["kind"]', '["metadata","name"]', '["metadata","namespace"]']);
const NODES = 3;

/**
 * An in-memory API server state with a tiny controller: objects by resource, server-side apply with
 * field managers, strategic merge patches of maps, namespaces that terminate, and rollouts that
 * advance one pod step per tick. The demo simulator runs on it; the API server double in tests/
 * serves it over HTTP. docs/kubernetes.md lists what it does and does not reproduce.
 */
export function createMemoryCluster(options: { tickMs: number }) {
  const objects = new Map<string, KubeObject>();
  /** key -> manager -> owned leaf paths */
  const owners = new Map<string, Map<string, Set<string>>>();
  const pods = new Map<string, Pods>();
  const behaviours = new Map<string, RolloutBehaviour>();
  let version = 1;
  let timer: NodeJS.Timeout | null = null;

  const keyOf = (info: ResourceInfo, namespace: string | undefined, name: string) =>
    `${info.plural}/${info.namespaced ? (namespace ?? "") : ""}/${name}`;

  function requireNamespace(info: ResourceInfo, namespace: string | undefined, creating: boolean): void {
    if (!info.namespaced) return;
    const ns = objects.get(`namespaces//${namespace ?? ""}`);
    if (!ns) throw notFound("", "namespaces", namespace ?? "");
    if (creating && getPath(ns, ["status", "phase"]) === "Terminating") {
      throw new KubeStatusError(
        kubeStatus(
          403,
          "Forbidden",
          `${qualifiedResource(info.group, info.plural)} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          { kind: info.plural, group: info.group },
        ),
      );
    }
  }

  function get(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const found = objects.get(keyOf(info, namespace, name));
    if (!found) throw notFound(info.group, info.plural, name);
    return clone(found);
  }

  function managedFields(managers: Map<string, Set<string>>, apiVersion: string): JsonObject[] {
    return [...managers]
      .filter(([, paths]) => paths.size > 0)
      .map(([manager, paths]) => {
        const tree: JsonObject = {};
        for (const p of paths)
          setPath(
            tree,
            pathOf(p).map((k) => `f:${k}`),
            {},
          );
        return { manager, operation: "Apply", apiVersion, fieldsType: "FieldsV1", fieldsV1: tree };
      });
  }

  /** Stores (or, on a dry run, only returns) the next version of an object. */
  function commit(
    info: ResourceInfo,
    key: string,
    before: KubeObject | undefined,
    after: KubeObject,
    nextOwners: Map<string, Set<string>>,
    dryRun: boolean,
  ): KubeObject {
    const metadata = after.metadata;
    if (!before) {
      metadata.uid = randomUUID();
      metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      if (info.kind !== "Namespace" && info.kind !== "Service") metadata.generation = 1;
    } else if (!jsonEqual(before.spec, after.spec) && typeof before.metadata.generation === "number") {
      metadata.generation = before.metadata.generation + 1;
    }
    const changed =
      !before ||
      !jsonEqual({ ...before, metadata: {} }, { ...after, metadata: {} }) ||
      !jsonEqual(before.metadata.labels, metadata.labels) ||
      !jsonEqual(before.metadata.annotations, metadata.annotations);
    if (changed) metadata.resourceVersion = String(dryRun ? version + 1 : ++version);
    metadata.managedFields = managedFields(nextOwners, after.apiVersion);
    if (info.kind === "Namespace" && !before) after.status = { phase: "Active" };
    if (!dryRun) {
      objects.set(key, clone(after));
      owners.set(key, nextOwners);
      if (metadata.generation !== before?.metadata.generation) startRollout(info, key, after, before);
      wake();
    }
    return clone(after);
  }

  function copyOwners(key: string): Map<string, Set<string>> {
    return new Map([...(owners.get(key) ?? [])].map(([m, paths]) => [m, new Set(paths)]));
  }

  function blank(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    return {
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      metadata: info.namespaced && namespace ? { name, namespace } : { name },
    };
  }

  /** Server-side apply: `application/apply-patch+yaml` with a fieldManager. */
  function apply(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    applied: KubeObject,
    opts: WriteOptions,
  ): KubeObject {
    if (applied.metadata?.name !== name) {
      throw new KubeStatusError(
        kubeStatus(400, "BadRequest", "the name of the object does not match the name on the URL"),
      );
    }
    const key = keyOf(info, namespace, name);
    const before = objects.get(key);
    requireNamespace(info, namespace, !before);
    const live = before ? clone(before) : blank(info, namespace, name);
    const nextOwners = copyOwners(key);
    const { status: _ignored, ...config } = applied;
    const fields = [...leafFields(config as JsonObject)].filter(
      ([p]) => !IDENTITY.has(p) && !p.startsWith('["metadata","managedFields"'),
    );
    const conflicts: { manager: string; field: string }[] = [];
    for (const [p, value] of fields) {
      for (const [manager, paths] of nextOwners) {
        if (manager === opts.fieldManager || !paths.has(p)) continue;
        if (jsonEqual(getPath(live, pathOf(p)), value)) continue;
        if (opts.force) paths.delete(p);
        else conflicts.push({ manager, field: dotted(pathOf(p)) });
      }
    }
    if (conflicts.length > 0) throw conflictError(info, name, live.apiVersion, conflicts);
    const mine = nextOwners.get(opts.fieldManager) ?? new Set<string>();
    const applying = new Set(fields.map(([p]) => p));
    for (const p of mine) {
      const sharedElsewhere = [...nextOwners].some(([m, paths]) => m !== opts.fieldManager && paths.has(p));
      if (!applying.has(p) && !sharedElsewhere) deletePath(live, pathOf(p));
    }
    for (const [p, value] of fields) setPath(live, pathOf(p), value);
    nextOwners.set(opts.fieldManager, applying);
    return commit(info, key, before, live, nextOwners, opts.dryRun);
  }

  /** Strategic merge patch as far as CloudOps uses it: maps merge, lists are replaced. */
  function strategicMerge(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: JsonObject,
    opts: WriteOptions,
  ): KubeObject {
    const key = keyOf(info, namespace, name);
    const before = objects.get(key);
    if (!before) throw notFound(info.group, info.plural, name);
    const merged = mergeMaps(before as JsonObject, patch) as KubeObject;
    const nextOwners = copyOwners(key);
    const mine = nextOwners.get(opts.fieldManager) ?? new Set<string>();
    for (const [p] of leafFields(patch)) if (!IDENTITY.has(p)) mine.add(p);
    nextOwners.set(opts.fieldManager, mine);
    return commit(info, key, before, merged, nextOwners, opts.dryRun);
  }

  function create(info: ResourceInfo, object: KubeObject, opts: WriteOptions): KubeObject {
    const name = object.metadata.name;
    const namespace = object.metadata.namespace;
    const key = keyOf(info, namespace, name);
    if (objects.has(key)) {
      throw new KubeStatusError(
        kubeStatus(
          409,
          "AlreadyExists",
          `${qualifiedResource(info.group, info.plural)} "${name}" already exists`,
          {
            name,
            group: info.group,
            kind: info.plural,
          },
        ),
      );
    }
    requireNamespace(info, namespace, true);
    const owned = new Set(
      [...leafFields(object as JsonObject)].map(([p]) => p).filter((p) => !IDENTITY.has(p)),
    );
    return commit(info, key, undefined, clone(object), new Map([[opts.fieldManager, owned]]), opts.dryRun);
  }

  /** Deleting a namespace marks it Terminating; the controller removes it and its content a tick later. */
  function remove(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const key = keyOf(info, namespace, name);
    const found = objects.get(key);
    if (!found) throw notFound(info.group, info.plural, name);
    if (info.kind === "Namespace") {
      found.status = { phase: "Terminating" };
      found.metadata.deletionTimestamp = new Date().toISOString();
      wake();
      return clone(found);
    }
    objects.delete(key);
    owners.delete(key);
    pods.delete(key);
    return clone(found);
  }

  function startRollout(info: ResourceInfo, key: string, after: KubeObject, before: KubeObject | undefined) {
    if (!["Deployment", "StatefulSet", "DaemonSet"].includes(info.kind)) return;
    const current = pods.get(key);
    const running = current ? current.old + current.ready + current.starting : 0;
    pods.set(key, { old: before ? running : 0, ready: 0, starting: 0 });
    if (!after.status) after.status = {};
  }

  function desired(object: KubeObject): number {
    if (object.kind === "DaemonSet") return NODES;
    const replicas = getPath(object, ["spec", "replicas"]);
    return typeof replicas === "number" ? replicas : 1;
  }

  /** One controller step for one workload; returns true while its rollout is unfinished. */
  function advance(key: string, object: KubeObject): boolean {
    const state = pods.get(key);
    if (!state) return false;
    const generation = Number(object.metadata.generation ?? 1);
    const status = isObject(object.status) ? object.status : {};
    const behaviour = behaviours.get(`${object.metadata.namespace}/${object.metadata.name}`) ?? "normal";
    const want = desired(object);
    if (status.observedGeneration !== generation) {
      status.observedGeneration = generation;
      if (object.kind === "Deployment") {
        status.conditions = [
          { type: "Available", status: state.old > 0 ? "True" : "False", reason: "MinimumReplicasAvailable" },
          { type: "Progressing", status: "True", reason: "NewReplicaSetCreated" },
        ];
      }
    } else if (behaviour === "progress-deadline" && object.kind === "Deployment") {
      status.conditions = [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
        {
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: `ReplicaSet "${object.metadata.name}-${generation}" has timed out progressing.`,
        },
      ];
      render(object, status, state, want);
      return false;
    } else if (behaviour === "normal") {
      if (state.starting > 0) {
        state.ready += state.starting;
        state.starting = 0;
        if (state.old > 0) state.old--;
      } else if (state.ready < want) state.starting = 1;
      else if (state.ready > want) state.ready = want;
      else if (state.old > 0) state.old--;
    }
    render(object, status, state, want);
    const done = state.ready === want && state.old === 0 && state.starting === 0;
    if (done && object.kind === "Deployment") {
      status.conditions = [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
      ];
    }
    return !done && behaviour !== "stuck";
  }

  function render(object: KubeObject, status: JsonObject, state: Pods, want: number): void {
    const total = state.old + state.ready + state.starting;
    const available = state.old + state.ready;
    const updated = state.ready + state.starting;
    if (object.kind === "DaemonSet") {
      Object.assign(status, {
        desiredNumberScheduled: want,
        currentNumberScheduled: Math.min(total, want),
        updatedNumberScheduled: updated,
        numberReady: available,
        numberAvailable: Math.min(available, want),
      });
    } else {
      Object.assign(status, {
        replicas: total,
        updatedReplicas: updated,
        readyReplicas: available,
        availableReplicas: available,
      });
      if (object.kind === "StatefulSet") {
        const revision = `${object.metadata.name}-${String(object.metadata.generation)}`;
        status.updateRevision = revision;
        if (state.ready === want && state.old === 0) status.currentRevision = revision;
      }
    }
    object.status = status;
  }

  function tick(): void {
    let busy = false;
    for (const [key, object] of objects) {
      if (object.kind === "Namespace" && getPath(object, ["status", "phase"]) === "Terminating") {
        const name = object.metadata.name;
        for (const other of [...objects.keys()]) {
          if (other.split("/")[1] === name) {
            objects.delete(other);
            owners.delete(other);
            pods.delete(other);
          }
        }
        objects.delete(key);
        owners.delete(key);
        continue;
      }
      if (advance(key, object)) busy = true;
    }
    if (!busy && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  /** Runs the controller while something is in motion; no timer is left when all is settled. */
  function wake(): void {
    if (timer) return;
    timer = setInterval(tick, options.tickMs);
    timer.unref();
  }

  /** Adds a workload that is fully rolled out (and its namespace). */
  function seedWorkload(kind: WorkloadKind, namespace: string, name: string, replicas = 3): void {
    const info = resourceByKind(kind);
    if (!info) return;
    if (!objects.has(`namespaces//${namespace}`)) {
      const ns = resourceByKind("Namespace");
      if (ns)
        create(
          ns,
          { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
          { dryRun: false, fieldManager: "seed" },
        );
    }
    const spec: JsonObject = {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `registry.example.com/${name}:1.0.0` }] },
      },
    };
    if (kind !== "DaemonSet") spec.replicas = replicas;
    const key = keyOf(info, namespace, name);
    create(
      info,
      { apiVersion: "apps/v1", kind, metadata: { name, namespace, labels: { app: name } }, spec },
      { dryRun: false, fieldManager: "kubectl-client-side-apply" },
    );
    const want = kind === "DaemonSet" ? NODES : replicas;
    pods.set(key, { old: 0, ready: want, starting: 0 });
    const object = objects.get(key);
    if (object) advance(key, object);
  }

  return {
    get,
    apply,
    strategicMerge,
    create,
    remove,
    seedWorkload,
    /** Test switch: how the controller rolls this workload out from now on. */
    setBehaviour(namespace: string, name: string, behaviour: RolloutBehaviour): void {
      behaviours.set(`${namespace}/${name}`, behaviour);
      wake();
    },
    tick,
    /** Stops the controller timer (tests call it in afterAll). */
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

export type MemoryCluster = ReturnType<typeof createMemoryCluster>;

function conflictError(
  info: ResourceInfo,
  name: string,
  apiVersion: string,
  conflicts: { manager: string; field: string }[],
): KubeStatusError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${apiVersion}: ${c.field}`);
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${lines[0]}`
      : `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  return new KubeStatusError(
    kubeStatus(409, "Conflict", message, {
      name,
      group: info.group,
      kind: info.plural,
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}" using ${apiVersion}`,
        field: c.field,
      })),
    }),
  );
}
