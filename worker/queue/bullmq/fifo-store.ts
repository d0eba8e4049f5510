import type { Redis } from "ioredis";
import { defineScripts } from "../../../platform/redis-scripts";
import { type FifoKeys, REQUEUED_SUFFIX, taskIdOfEntry } from "./keys";
import { ENQUEUE_ARITY, SCRIPTS, type ScriptName } from "./scripts";

/**
 * Most items one enqueue script takes: a script blocks Redis while it runs (about 15 µs an item here),
 * so a very large burst goes as several scripts rather than one long one.
 */
export const MAX_ENQUEUE_BATCH = 100;

export interface HeadRef {
  entityId: string;
  /** The lane entry: the task id, or the task queued once more behind itself (keys.ts, REQUEUED_SUFFIX). */
  taskId: string;
  seq: string;
}

/** A seqs value without the "+" that marks a task queued again behind this entry (scripts.ts). */
const seqOf = (value: string) => (value.endsWith("+") ? value.slice(0, -1) : value);

/**
 * Typed access to the FIFO bookkeeping in Redis (the lanes). enqueue and popHead add the BullMQ job of
 * the item that becomes head in the same script (`jobs`: the queue's keys); running jobs is the engine's.
 */
export function createFifoStore(redis: Redis, keys: FifoKeys) {
  const runScript = defineScripts(redis, "cloudopsFifo", SCRIPTS);
  const lane = [keys.laneBase];
  const laneAndJobs = [keys.laneBase, keys.jobKeyPrefix];
  const run = (name: ScriptName, args: (string | number)[]) => runScript(name, lane, args);
  /** The job arguments of addHeadJob (head-job.ts) for an entity's next head. */
  const jobArgs = (entityId: string) => [encodeURIComponent(entityId), Date.now()];
  const enqueueOne = batchedEnqueue((args) => runScript("enqueue", laneAndJobs, args));

  return {
    /**
     * "duplicate", "queued" (behind others), "deferred" (the lanes are being rebuilt after a data loss;
     * the rebuild places it) or the head it became (its job is added, with `traceparent` and `nonce`
     * in its data if given). `force`: the rebuild.
     */
    async enqueue(
      taskId: string,
      entityId: string,
      options: { force?: boolean; traceparent?: string | undefined; nonce?: string } = {},
    ): Promise<"duplicate" | "queued" | "deferred" | HeadRef> {
      const result = await enqueueOne([
        taskId,
        entityId,
        options.force ? "1" : "",
        options.traceparent ?? "",
        ...jobArgs(entityId),
        options.nonce ?? "",
      ]);
      if (result === -2) return "deferred";
      if (result < 0) return "duplicate";
      // 0 also when a head's task is queued once more behind it.
      if (result === 0) return "queued";
      return { entityId, taskId, seq: String(result) };
    },

    async isHead(ref: HeadRef): Promise<boolean> {
      return Number(await run("isHead", [ref.taskId, ref.seq, ref.entityId])) === 1;
    },

    /**
     * Pops `ref` if it is still the head (and, given `lockToken`, the delivery still holds the lock
     * of the item's job); returns the new head (its job is added, with `nonce` in its data), if any.
     */
    async popHead(
      ref: HeadRef,
      lockToken: string | null,
      nonce = "",
    ): Promise<{ popped: boolean; next: HeadRef | null }> {
      const result = await runScript("popHead", laneAndJobs, [
        ref.taskId,
        ref.seq,
        ref.entityId,
        lockToken ?? "",
        ...jobArgs(ref.entityId),
        nonce,
      ]);
      if (!Array.isArray(result)) return { popped: false, next: null };
      const [taskId, seq] = result as [string?, string?];
      return { popped: true, next: taskId && seq ? { entityId: ref.entityId, taskId, seq } : null };
    },

    async removeWaiting(taskId: string, entityId: string): Promise<"removed" | "absent" | "head"> {
      const result = Number(await run("removeWaiting", [taskId, entityId]));
      return result === 1 ? "removed" : result < 0 ? "head" : "absent";
    },

    async entityOf(taskId: string): Promise<string | null> {
      return redis.hget(keys.items, taskId);
    },

    async headOf(entityId: string): Promise<HeadRef | null> {
      const entry = await redis.get(keys.head(entityId));
      if (!entry) return null;
      const seq = await redis.hget(keys.seqs, entry);
      return seq ? { entityId, taskId: entry, seq: seqOf(seq) } : null;
    },

    async has(taskId: string): Promise<boolean> {
      return (await redis.hexists(keys.items, taskId)) === 1;
    },

    /** The place of the task's entry; of a task queued again behind itself, of the second one. */
    async positionOf(taskId: string): Promise<number | null> {
      const entityId = await redis.hget(keys.items, taskId);
      if (entityId === null) return null;
      const lane = keys.pending(entityId);
      const [plain, requeued] = await Promise.all([
        redis.lpos(lane, taskId),
        redis.lpos(lane, `${taskId}${REQUEUED_SUFFIX}`),
      ]);
      if (plain === null || requeued === null) return plain ?? requeued ?? null;
      return Math.max(plain, requeued);
    },

    /** Every entity's items in order (task ids, a task queued again behind itself twice), entities sorted by id. */
    async lanes(): Promise<{ entityId: string; taskIds: string[] }[]> {
      const entities = (await redis.smembers(keys.entities)).sort((a, b) => a.localeCompare(b));
      const lists = await Promise.all(entities.map((e) => redis.lrange(keys.pending(e), 0, -1)));
      return entities
        .map((entityId, i) => ({ entityId, taskIds: (lists[i] ?? []).map(taskIdOfEntry) }))
        .filter((lane) => lane.taskIds.length > 0);
    },

    /** The epoch this Redis holds; null after a data loss, until the lanes are rebuilt. */
    epoch: (): Promise<string | null> => redis.get(keys.epoch),

    /** Appends the deferred items, sets the epoch (see RESTORE_EPOCH); returns the new heads. */
    async restoreEpoch(epoch: string): Promise<HeadRef[]> {
      const flat = (await run("restoreEpoch", [epoch])) as string[];
      return triples(flat);
    },

    /** Every entity's head, in one round trip. */
    async heads(): Promise<HeadRef[]> {
      const flat = (await run("heads", [])) as string[];
      return triples(flat);
    },
  };
}

/**
 * Enqueues made in the same turn of the event loop (a Promise.all over a burst of submissions) go to
 * Redis as one script call per MAX_ENQUEUE_BATCH items instead of one each, in the order they were
 * made: profiled on bench:queue, one EVALSHA per item was a tenth of Redis's work per job and an
 * ioredis command per item on the Node side. An enqueue alone waits one microtask longer, nothing
 * more. Every caller gets its own item's result; a failed call fails every item it carried.
 */
function batchedEnqueue(
  run: (args: (string | number)[]) => Promise<unknown>,
): (args: (string | number)[]) => Promise<number> {
  let pending: Array<{
    args: (string | number)[];
    resolve: (result: number) => void;
    reject: (error: unknown) => void;
  }> = [];

  function send(items: typeof pending): void {
    const args = items.flatMap((item) => item.args);
    // Through a promise so that a synchronous throw (an unregistered script) rejects the callers too.
    Promise.resolve()
      .then(() => run(args))
      .then(
        (results) => {
          const list = results as unknown[];
          for (const [i, item] of items.entries()) item.resolve(Number(list[i]));
        },
        (error: unknown) => {
          for (const item of items) item.reject(error);
        },
      );
  }

  return (args) => {
    if (args.length !== ENQUEUE_ARITY) throw new Error(`an enqueue takes ${ENQUEUE_ARITY} values`);
    return new Promise<number>((resolve, reject) => {
      if (pending.length === 0)
        queueMicrotask(() => {
          const items = pending;
          pending = [];
          for (let i = 0; i < items.length; i += MAX_ENQUEUE_BATCH)
            send(items.slice(i, i + MAX_ENQUEUE_BATCH));
        });
      pending.push({ args, resolve, reject });
    });
  };
}

/** {entity, taskId, seq, ...} from a script as head references. */
function triples(flat: string[]): HeadRef[] {
  const refs: HeadRef[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const [entityId, taskId, seq] = [flat[i], flat[i + 1], flat[i + 2]];
    if (entityId !== undefined && taskId && seq) refs.push({ entityId, taskId, seq });
  }
  return refs;
}

export type FifoStore = ReturnType<typeof createFifoStore>;
