import type { Json, JsonObject } from "./types";

export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Leaf fields of an object by path (`spec.template.spec.containers`); lists and empty objects are
 * leaves (atomic), as is any scalar.
 */
export function leafFields(value: JsonObject, prefix: string[] = [], out = new Map<string, Json>()) {
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, key];
    if (isObject(child) && Object.keys(child).length > 0) leafFields(child, path, out);
    else out.set(JSON.stringify(path), child);
  }
  return out;
}

export function pathOf(key: string): string[] {
  return JSON.parse(key) as string[];
}

export function getPath(value: JsonObject, path: string[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function setPath(value: JsonObject, path: string[], leaf: Json): void {
  let current = value;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (isObject(next)) current = next;
    else {
      const created: JsonObject = {};
      current[key] = created;
      current = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) current[last] = clone(leaf);
}

/** Removes a field and then every parent object it leaves empty. */
export function deletePath(value: JsonObject, path: string[]): void {
  const parents: JsonObject[] = [];
  let current = value;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (!isObject(next)) return;
    parents.push(current);
    current = next;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  delete current[last];
  for (let i = parents.length - 1; i >= 0; i--) {
    const parent = parents[i];
    const key = path[i];
    if (!parent || key === undefined) break;
    const child = parent[key];
    if (isObject(child) && Object.keys(child).length === 0) delete parent[key];
    else break;
  }
}

/** Merge patch semantics for maps (null deletes a key); lists are replaced whole. */
export function mergeMaps(target: JsonObject, patch: JsonObject): JsonObject {
  const out = clone(target);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) out[key] = mergeMaps(isObject(out[key]) ? out[key] : {}, value);
    else out[key] = clone(value);
  }
  return out;
}

/** `.spec.replicas`, the way the API server names a field in a conflict. */
export function dotted(path: string[]): string {
  return `.${path.join(".")}`;
}
