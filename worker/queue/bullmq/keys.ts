/**
 * Every Redis key, channel and BullMQ queue name of the FIFO layer, all under one deployment prefix
 * so tests (and several deployments on one Redis) never see each other's data.
 */
export interface FifoKeys {
  /** BullMQ key prefix; the BullMQ queue itself is named `queueName`. */
  bullPrefix: string;
  queueName: string;
  /** Hash taskId → entityId of every queued item (waiting, running or waiting for a retry). */
  items: string;
  /**
   * Hash lane entry → sequence number: the item's place in enqueue order and part of its jobId; with
   * "+" after it when the entry's task is queued again behind it.
   */
  seqs: string;
  /** Counter behind the sequence numbers. */
  seq: string;
  /** Set of entities that hold at least one item (snapshot and sweep walk it). */
  entities: string;
  /** Pub/sub channel on which `abort(taskId)` reaches the process that runs the task. */
  abortChannel: string;
  /**
   * Random value written when the lanes are (re)built from the database. Missing, or not the value a
   * process saw last, means Redis lost its data (restart without persistence, FLUSHALL).
   */
  epoch: string;
  /** Items enqueued while the epoch is missing, in order; the rebuild appends them after the database's. */
  deferred: string;
  /** Held (SET NX PX) by the one process that rebuilds the lanes. */
  rebuildLock: string;
  /** Sorted set worker id → expiry of processes still handing back deliveries after a loss. */
  draining: string;
  /** Common start of every lane key above; the Lua scripts build the keys from it the same way. */
  laneBase: string;
  /** BullMQ's key prefix of the queue (`queue.keys[""]`): its keys and job keys extend it. */
  jobKeyPrefix: string;
  /** The entity's lane entries in enqueue order; index 0 is the head. */
  pending(entityId: string): string;
  /** The entity's head entry: the one item that has a BullMQ job. */
  head(entityId: string): string;
}

const QUEUE_NAME = "tasks";

/**
 * The lane entry of a task queued once more behind itself while it is its entity's head (see ENQUEUE
 * in scripts.ts): the task id with this suffix, so the lane can hold the task twice. Task ids never
 * contain "|". A worker of a version before this entry existed runs it as an unknown task (the
 * runner finds no such row and finishes it) and drops the second queueing, as it always did; the
 * reconciler then publishes the still-queued task.
 */
export const REQUEUED_SUFFIX = "|requeued";

/** The task id of a lane entry (a task id, or one with REQUEUED_SUFFIX). */
export function taskIdOfEntry(entry: string): string {
  return entry.endsWith(REQUEUED_SUFFIX) ? entry.slice(0, -REQUEUED_SUFFIX.length) : entry;
}

export function fifoKeys(prefix: string): FifoKeys {
  const base = `${prefix}:fifo`;
  return {
    bullPrefix: prefix,
    queueName: QUEUE_NAME,
    items: `${base}:items`,
    seqs: `${base}:seqs`,
    seq: `${base}:seq`,
    entities: `${base}:entities`,
    abortChannel: `${base}:abort`,
    epoch: `${base}:epoch`,
    deferred: `${base}:deferred`,
    rebuildLock: `${base}:rebuild-lock`,
    draining: `${base}:draining`,
    laneBase: `${base}:`,
    jobKeyPrefix: `${prefix}:${QUEUE_NAME}:`,
    pending: (entityId) => `${base}:e:${entityId}:pending`,
    head: (entityId) => `${base}:e:${entityId}:head`,
  };
}

/**
 * BullMQ job id of the head item: deterministic (entity + sequence number) so the enqueue path and
 * the sweep can both add it and only one job exists; a re-queued task gets a new sequence number and
 * so a new job. BullMQ refuses ":" in custom ids; encodeURIComponent turns it into %3A.
 */
export function headJobId(entityId: string, seq: string | number): string {
  return `${encodeURIComponent(entityId)}.${seq}`;
}
