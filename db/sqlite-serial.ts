import { AsyncLocalStorage } from "node:async_hooks";
import type { Client, Transaction } from "@libsql/client";

/** Marks code running inside a transaction's callback (see `insideTransaction`). */
const inTransaction = new AsyncLocalStorage<boolean>();

/**
 * Runs `work` marked as the body of a transaction: a call on the outer client from there would wait
 * for the transaction that waits for it, so it fails at once with a message instead of hanging.
 */
export function insideTransaction<T>(work: () => Promise<T>): Promise<T> {
  return inTransaction.run(true, work);
}

/** Methods of the libsql client that borrow its connection for one call. */
const ONE_SHOT = new Set<PropertyKey>(["execute", "batch", "migrate", "executeMultiple"]);

/**
 * Wraps a single-connection libsql client so a transaction owns the connection until it settles and
 * every other call waits its turn instead of failing with TRANSACTION_ACTIVE. One connection keeps the
 * per-connection PRAGMAs (foreign_keys, busy_timeout) in force for every statement; SQLite runs one
 * writer at a time anyway, and other processes still wait on busy_timeout.
 */
export function serializeClient(client: Client): Client {
  let tail: Promise<void> = Promise.resolve();
  const turn = async (): Promise<() => void> => {
    const previous = tail;
    let release: () => void = () => {};
    tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  };

  const guardTransaction = (tx: Transaction, release: () => void): Transaction => {
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      release();
    };
    return new Proxy(tx, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "commit" || prop === "rollback") {
          return async (...args: unknown[]) => {
            try {
              return await value.apply(target, args);
            } finally {
              done();
            }
          };
        }
        if (prop === "close") {
          return (...args: unknown[]) => {
            try {
              return value.apply(target, args);
            } finally {
              done();
            }
          };
        }
        return value.bind(target);
      },
    });
  };

  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "transaction") {
        return async (...args: unknown[]) => {
          const release = await turn();
          try {
            const tx = (await value.apply(target, args)) as Transaction;
            return guardTransaction(tx, release);
          } catch (error) {
            release();
            throw error;
          }
        };
      }
      if (ONE_SHOT.has(prop)) {
        return async (...args: unknown[]) => {
          if (inTransaction.getStore()) {
            throw new Error(
              "A query used the outer database handle inside a transaction; use the transaction's handle",
            );
          }
          const release = await turn();
          try {
            return await value.apply(target, args);
          } finally {
            release();
          }
        };
      }
      return value.bind(target);
    },
  });
}

/**
 * Thrown by a group's `savepoint` when a member failed and rolling back to its savepoint failed too:
 * its partial writes are still in the transaction, so the whole group rolls back.
 */
export class SavepointRollbackFailed extends Error {
  constructor(cause: unknown) {
    super("Rolling back to a group member's savepoint failed; the group's transaction is rolled back", {
      cause,
    });
    this.name = "SavepointRollbackFailed";
  }
}

/** Transactions of one group at most: bounds the wait of the last one. */
const MAX_GROUP = 64;

/**
 * Group commit of SQLite transactions. SQLite runs one writer at a time and this process has one
 * connection, so transactions wait for each other anyway; those that arrive while one runs share the
 * next BEGIN/COMMIT (`transaction`), each in a savepoint of its own (`savepoint`): a transaction that
 * throws rolls back to its savepoint and fails alone, and every caller resolves only after the
 * COMMIT (durability as before). A transaction alone runs without a savepoint. A COMMIT writes the
 * changed pages to the WAL, one write per page, which the end-to-end profile put at 11% of the
 * worker's CPU with three commits per task.
 */
export function groupCommit<Tx>(
  transaction: (body: (tx: Tx) => Promise<void>) => Promise<void>,
  savepoint: <T>(tx: Tx, work: (sp: Tx) => Promise<T>) => Promise<T>,
) {
  interface Job {
    work: (tx: Tx) => Promise<unknown>;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }
  let queue: Job[] = [];
  let draining = false;

  async function runGroup(jobs: Job[]): Promise<void> {
    const outcomes: (() => void)[] = [];
    try {
      await transaction(async (tx) => {
        const [only] = jobs;
        if (jobs.length === 1 && only) {
          // Alone: no savepoint, its failure rolls the transaction back.
          const value = await only.work(tx);
          outcomes.push(() => only.resolve(value));
          return;
        }
        for (const job of jobs) {
          try {
            const value = await savepoint(tx, job.work);
            outcomes.push(() => job.resolve(value));
          } catch (error) {
            // The member's writes could not be undone: nothing of the group may commit.
            if (error instanceof SavepointRollbackFailed) throw error;
            outcomes.push(() => job.reject(error));
          }
        }
      });
    } catch (error) {
      // Nothing of the group committed (the lone transaction failed, or the COMMIT did).
      for (const job of jobs) job.reject(error);
      return;
    }
    for (const settle of outcomes) settle();
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        const jobs = queue.slice(0, MAX_GROUP);
        queue = queue.slice(MAX_GROUP);
        await runGroup(jobs);
      }
    } finally {
      draining = false;
    }
  }

  return {
    /** Runs `work` in a transaction shared with those that arrive meanwhile; resolves after COMMIT. */
    run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!draining) void drain();
      });
    },
  };
}
