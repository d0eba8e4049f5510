import { isObject, jsonEqual, leafFields, pathOf } from "./json-fields";
import type { Json, JsonObject, KubeObject } from "./types";

/** What the API server sets on its own; a diff of intent leaves it out (as `kubectl diff` output is read). */
const SERVER_FIELDS = new Set([
  "status",
  "metadata.managedFields",
  "metadata.resourceVersion",
  "metadata.generation",
  "metadata.uid",
  "metadata.creationTimestamp",
  "metadata.selfLink",
]);

export interface ObjectDiff {
  kind: string;
  namespace?: string;
  name: string;
  action: "create" | "update" | "unchanged";
  added: Array<{ path: string; value: Json }>;
  changed: Array<{ path: string; from: Json; to: Json }>;
  removed: Array<{ path: string; value: Json }>;
}

function intent(object: KubeObject | null): Map<string, Json> {
  const fields = new Map<string, Json>();
  if (!object) return fields;
  for (const [key, value] of leafFields(object as JsonObject)) {
    const path = pathOf(key).join(".");
    if ([...SERVER_FIELDS].some((f) => path === f || path.startsWith(`${f}.`))) continue;
    fields.set(path, value);
  }
  return fields;
}

/** Field by field, the live object against what the API server would store (the dry-run result). */
export function diffObjects(live: KubeObject | null, desired: KubeObject): ObjectDiff {
  const before = intent(live);
  const after = intent(desired);
  const added: ObjectDiff["added"] = [];
  const changed: ObjectDiff["changed"] = [];
  const removed: ObjectDiff["removed"] = [];
  for (const [path, value] of after) {
    if (!before.has(path)) added.push({ path, value });
    else if (!jsonEqual(before.get(path), value))
      changed.push({ path, from: before.get(path) ?? null, to: value });
  }
  for (const [path, value] of before) if (!after.has(path)) removed.push({ path, value });
  const action = !live
    ? "create"
    : added.length + changed.length + removed.length > 0
      ? "update"
      : "unchanged";
  const namespace = isObject(desired.metadata) ? desired.metadata.namespace : undefined;
  return { kind: desired.kind, namespace, name: desired.metadata.name, action, added, changed, removed };
}

/** `~ Deployment shop-prod/web: spec.replicas 2 -> 3; + spec.template...` */
export function describeDiff(diff: ObjectDiff, maxFields = 6): string {
  const sign = diff.action === "create" ? "+" : diff.action === "update" ? "~" : "=";
  const where = `${diff.kind} ${diff.namespace ? `${diff.namespace}/` : ""}${diff.name}`;
  if (diff.action === "unchanged") return `${sign} ${where}: no changes`;
  if (diff.action === "create") return `${sign} ${where}: new (${diff.added.length} fields)`;
  const parts = [
    ...diff.changed.map((c) => `${c.path} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`),
    ...diff.added.map((a) => `+ ${a.path}`),
    ...diff.removed.map((r) => `- ${r.path}`),
  ];
  const more = parts.length > maxFields ? `; ${parts.length - maxFields} more` : "";
  return `${sign} ${where}: ${parts.slice(0, maxFields).join("; ")}${more}`;
}
