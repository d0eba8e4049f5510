import type { Client, Transaction } from "@libsql/client";

/**
 * How long a call on the client waits for its turn while a transaction holds the connection before it
 * fails. No transaction of this process comes near it (they take milliseconds, and one that waits for
 * another process's write lock gives up after busy_timeout, 5 s); a wait this long is a query on the
 * outer handle made inside a transaction's own body, which would otherwise wait forever for the
 * transaction that waits for it. Below vitest's 30 s test timeout, so a test that does it fails with
 * this message rather than a bare timeout.
 */
export const TRANSACTION_WAIT_LIMIT_MS = 15_000;

/** A call gave up waiting for a transaction to release the connection (see TRANSACTION_WAIT_LIMIT_MS). */
export class TransactionWaitTimeout extends Error {
  constructor(waitedMs: number) {
    super(
      `Waited ${waitedMs} ms for the database connection while a transaction held it: a query on the outer database handle inside a transaction never gets it; use the transaction's handle`,
    );
    this.name = "TransactionWaitTimeout";
  }
}

/** Methods of the libsql client that borrow its connection for one call. */
const ONE_SHOT = new Set<PropertyKey>(["execute", "batch", "migrate", "executeMultiple"]);

/**
 * Wraps a single-connection libsql client so a transaction owns the connection until it settles and
 * every other call waits its turn instead of failing with TRANSACTION_ACTIVE. One connection keeps the
 * per-connection PRAGMAs (foreign_keys, busy_timeout) in force for every statement; SQLite runs one
 * writer at a time anyway, and other processes still wait on busy_timeout.
 *
 * A call made while a transaction holds or waits for the connection gives up after `waitLimitMs`
 * (TRANSACTION_WAIT_LIMIT_MS by default) with TransactionWaitTimeout rather than hang when it came
 * from inside that transaction. Until 2026-12-04 an AsyncLocalStorage marked transaction bodies so
 * such a call failed at once; but on Node 20 and 22 the first `run` of any AsyncLocalStorage turns
 * on promise hooks for the whole process, and after the process's first transaction every promise
 * paid for them: GET /api/tasks/{id} served 15% fewer requests (8.6-9.0k against 10.3-10.5k req/s,
 * autocannon, 64 connections). tests/engine/promise-hooks.test.ts keeps them off.
 */
export function serializeClient(
  client: Client,
  { waitLimitMs = TRANSACTION_WAIT_LIMIT_MS }: { waitLimitMs?: number } = {},
): Client {
  let tail: Promise<void> = Promise.resolve();
  /** Transactions holding the connection or waiting for it. */
  let transactions = 0;

  /** Waits for the calls before this one; the returned function lets the next one go. */
  const turn = async (limitMs?: number): Promise<() => void> => {
    const previous = tail;
    let release: () => void = () => {};
    tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    if (limitMs === undefined) {
      await previous;
      return release;
    }
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransactionWaitTimeout(limitMs)), limitMs);
    });
    try {
      await Promise.race([previous, gaveUp]);
      return release;
    } catch (error) {
      // Its place in line passes on once the calls before it are done, so order holds for the rest.
      void previous.then(release);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  const guardTransaction = (tx: Transaction, release: () => void): Transaction => {
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      transactions--;
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
          transactions++;
          const release = await turn();
          try {
            const tx = (await value.apply(target, args)) as Transaction;
            return guardTransaction(tx, release);
          } catch (error) {
            transactions--;
            release();
            throw error;
          }
        };
      }
      if (ONE_SHOT.has(prop)) {
        return async (...args: unknown[]) => {
          // A timer only while a transaction may be ahead: calls behind calls cannot deadlock.
          const release = await turn(transactions > 0 ? waitLimitMs : undefined);
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
