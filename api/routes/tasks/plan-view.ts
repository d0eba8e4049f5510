import { createHash } from "node:crypto";
import type { PlanObject, TaskPlan } from "../../../contracts/plans";
import type { TaskRow } from "../../../db/rows";
import { type ArtifactStore, getBuffer } from "../../../platform/artifacts/artifact-store";

/** Fields per object and characters per value in one answer: the page stays readable, the artifact has all. */
const MAX_FIELDS = 200;
const MAX_VALUE = 300;

const text = (value: unknown): string => {
  const json = JSON.stringify(value) ?? "null";
  return json.length > MAX_VALUE ? `${json.slice(0, MAX_VALUE - 1)}…` : json;
};

type RawDiff = {
  kind?: unknown;
  namespace?: unknown;
  name?: unknown;
  action?: unknown;
  added?: Array<{ path?: unknown; value?: unknown }>;
  changed?: Array<{ path?: unknown; from?: unknown; to?: unknown }>;
  removed?: Array<{ path?: unknown; value?: unknown }>;
};

function objectOf(raw: RawDiff): PlanObject {
  const added = Array.isArray(raw.added) ? raw.added : [];
  const changed = Array.isArray(raw.changed) ? raw.changed : [];
  const removed = Array.isArray(raw.removed) ? raw.removed : [];
  let budget = MAX_FIELDS;
  const take = <T>(list: T[]): T[] => {
    const kept = list.slice(0, Math.max(0, budget));
    budget -= kept.length;
    return kept;
  };
  const keptChanged = take(changed);
  const keptAdded = take(added);
  const keptRemoved = take(removed);
  const action = raw.action === "create" || raw.action === "update" ? raw.action : "unchanged";
  return {
    kind: String(raw.kind ?? ""),
    namespace: typeof raw.namespace === "string" ? raw.namespace : null,
    name: String(raw.name ?? ""),
    action,
    changed: keptChanged.map((c) => ({ path: String(c.path), from: text(c.from), to: text(c.to) })),
    added: keptAdded.map((a) => ({ path: String(a.path), value: text(a.value) })),
    removed: keptRemoved.map((r) => ({ path: String(r.path), value: text(r.value) })),
    omitted:
      added.length +
      changed.length +
      removed.length -
      keptChanged.length -
      keptAdded.length -
      keptRemoved.length,
  };
}

/**
 * The plan of a task as the API shows it: from the task's result (checksum, summary, lines) and, for a
 * deploy, the plan artifact's per-object diff, re-hashed so the page says whether the file still
 * matches. Null when the task has no plan (yet).
 */
export async function planOf(task: TaskRow, store: ArtifactStore | undefined): Promise<TaskPlan | null> {
  const result = task.result ?? {};
  const sha256 = typeof result.planSha256 === "string" ? result.planSha256 : null;
  if (!sha256) return null;
  const lines = Array.isArray(result.planLines) ? result.planLines.map(String) : [];
  const counts = (result.plan ?? null) as { add?: number; change?: number; unchanged?: number } | null;
  const plan: TaskPlan = {
    taskId: task.id,
    artifactId: typeof result.planArtifactId === "string" ? result.planArtifactId : null,
    sha256,
    verified: null,
    size: null,
    target: typeof result.target === "string" ? result.target : null,
    namespace: typeof result.namespace === "string" ? result.namespace : null,
    createNamespace: false,
    summary: counts
      ? `${counts.add ?? 0} to add, ${counts.change ?? 0} to change, ${counts.unchanged ?? 0} unchanged`
      : (task.approval?.summary ?? lines[0] ?? ""),
    lines,
    objects: [],
  };
  const path = typeof result.planPath === "string" ? result.planPath : null;
  if (!path || !store) return plan;
  let bytes: Buffer;
  try {
    bytes = await getBuffer(store, path);
  } catch {
    return plan; // gone from the store: the checksum and lines still stand, verified stays null
  }
  plan.size = bytes.length;
  plan.verified = createHash("sha256").update(bytes).digest("hex") === sha256;
  try {
    const file = JSON.parse(bytes.toString("utf8")) as { diff?: RawDiff[]; createNamespace?: unknown };
    plan.createNamespace = file.createNamespace === true;
    plan.objects = (Array.isArray(file.diff) ? file.diff : []).map(objectOf);
  } catch {
    plan.verified = false;
  }
  return plan;
}
