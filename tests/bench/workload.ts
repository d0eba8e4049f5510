/** The benchmark workload: `jobs` items spread over `entities`, item n of entity e has seq n. */
export interface Workload {
  jobs: number;
  entities: number;
  /** Each processor waits up to this many ms (random): items of one entity then overlap unless kept apart. */
  maxWorkMs?: number;
}

/** What one processor does: nothing, or wait a random 0..maxWorkMs so deliveries can overlap. */
export function work(workload: Workload): Promise<void> | undefined {
  if (!workload.maxWorkMs) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * (workload.maxWorkMs ?? 0)));
}

export interface BenchItem {
  entityId: string;
  seq: number;
  taskId: string;
}

/** Items in publishing rounds: round r holds item r of every entity (so entities interleave). */
export function rounds(workload: Workload): BenchItem[][] {
  const perEntity = Math.ceil(workload.jobs / workload.entities);
  const out: BenchItem[][] = [];
  let made = 0;
  for (let seq = 0; seq < perEntity; seq++) {
    const round: BenchItem[] = [];
    for (let e = 0; e < workload.entities && made < workload.jobs; e++, made++) {
      round.push({ entityId: `entity-${e}`, seq, taskId: `t-${e}-${seq}` });
    }
    out.push(round);
  }
  return out;
}

/**
 * Counts order violations per entity: an item delivered out of seq order, or while the previous item
 * of its entity was still running. With no-op processors over many entities nothing can overlap (an
 * item finishes in the tick it starts), so only the contended workload (few entities, processors
 * that wait) can show a violation; plain BullMQ does there, which is how we know the check works.
 */
export function createOrderCheck() {
  const last = new Map<string, { seq: number; running: boolean }>();
  let violations = 0;
  let completed = 0;
  return {
    start(entityId: string, seq: number) {
      const prev = last.get(entityId);
      if (prev ? prev.running || prev.seq !== seq - 1 : seq !== 0) violations++;
      last.set(entityId, { seq, running: true });
    },
    end(entityId: string, seq: number) {
      const prev = last.get(entityId);
      if (prev && prev.seq === seq) prev.running = false;
      completed++;
    },
    get violations() {
      return violations;
    },
    get completed() {
      return completed;
    },
  };
}

export async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("benchmark did not finish in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
