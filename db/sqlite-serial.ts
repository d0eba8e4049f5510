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
