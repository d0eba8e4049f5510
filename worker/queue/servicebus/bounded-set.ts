/**
 * A set that forgets its oldest entries past `limit`. The engine's local knowledge (tasks sent or
 * removed from this process) is a hint, never the truth, so dropping old entries only costs a
 * harmless duplicate publish or a skipped shortcut; it must not grow without bound in a long-lived worker.
 */
export interface BoundedSet {
  add(value: string): void;
  has(value: string): boolean;
  delete(value: string): boolean;
  readonly size: number;
}

export function createBoundedSet(limit: number): BoundedSet {
  const entries = new Set<string>();
  return {
    add(value) {
      entries.delete(value); // re-adding moves it to the young end
      entries.add(value);
      while (entries.size > limit) {
        const oldest = entries.values().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    has: (value) => entries.has(value),
    delete: (value) => entries.delete(value),
    get size() {
      return entries.size;
    },
  };
}
