import { randomUUID } from "node:crypto";

/**
 * Remembers the head jobs this process's scripts added, so their first delivery can skip the "is it
 * still the head?" round trip. A script that adds a head job makes the item head and adds its job
 * atomically, and puts a nonce of ours in the job's data. The item stops being head only when a
 * delivery of that job pops it, or when the job is removed first (cancel) or lost with the lanes
 * (data loss: `clear`). So the job's first delivery ever (BullMQ's `attemptsStarted` is 1: it only
 * grows) of a nonce we issued is certain to find its item still head. Anything else (a redelivery
 * after a stall or a crash, a retry, a job the sweep re-added, a job another process added, a
 * forgotten nonce) gets the check as before.
 */
export function createOwnHeads(limit = 10_000) {
  const prefix = randomUUID().slice(0, 8);
  let counter = 0;
  const issued = new Set<string>();
  return {
    /** A nonce to put in the data of a head job a script is about to add. */
    issue(): string {
      // Nonces of jobs that were removed (cancel) never come back: bound the set; forgetting is safe.
      if (issued.size >= limit) issued.clear();
      const nonce = `${prefix}.${(counter++).toString(36)}`;
      issued.add(nonce);
      return nonce;
    },
    /** The script added no job with it (no next item, or it failed). */
    drop(nonce: string): void {
      issued.delete(nonce);
    },
    /** True for the first delivery of a job added with one of our nonces: its item is head. */
    claim(job: { data: { nonce?: string | undefined }; attemptsStarted: number }): boolean {
      const { nonce } = job.data;
      return nonce !== undefined && issued.delete(nonce) && job.attemptsStarted === 1;
    },
    clear(): void {
      issued.clear();
    },
  };
}

export type OwnHeads = ReturnType<typeof createOwnHeads>;
