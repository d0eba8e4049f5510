import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// SQLite in WAL mode copies the log back into the database file (a checkpoint) from inside the
// COMMIT that pushes the log past wal_autocheckpoint pages (1,000 by default), on the connection
// that commits. Ours is the process's one connection, on the event loop: in an end-to-end run
// (SQLite + memory queue, 3,000 tasks, tests/bench/sql-statement-timer.ts) a COMMIT's median was
// 57-59 µs and its mean 123-166, with single commits of 8-13 ms: the checkpoints, about 40% of all
// commit time, each a stall of every request and task of the process.
//
// Here a worker thread with a connection of its own runs PASSIVE checkpoints every INTERVAL_MS.
// PASSIVE never waits for a lock and never blocks a writer or reader; once the log is copied, the
// next commit starts the log from its beginning again, so it stays as small as before. The main
// connection's own checkpoint threshold is raised to a backstop (BACKSTOP_PAGES) that the thread
// keeps it from reaching, and that still bounds the log if the thread fails.
//
// The thread costs about 11 MB of RSS (bench:start, ROLE=all: 142 vs 131 MB idle), so it starts
// with the writes that need it: after START_AFTER_TRANSACTIONS transactions. Until then SQLite
// checkpoints in the commit as before, which for a process that writes little is rare and small.

/** The main connection's wal_autocheckpoint while the thread runs: 40 MB of 4 KB pages. */
export const BACKSTOP_PAGES = 10_000;
/** Transactions of the process before the thread starts. */
export const START_AFTER_TRANSACTIONS = 100;
/** How often the thread checkpoints. */
const INTERVAL_MS = 100;

export interface WalCheckpointer {
  /** Stops the thread and closes its connection. */
  stop(): Promise<void>;
}

// The thread's code, evaluated as CommonJS: no file of its own, so the compiled server (one bundle)
// and tsx run the same thing. `libsql` is the package @libsql/client itself loads.
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.libsql);
const db = new Database(workerData.path);
db.exec("PRAGMA busy_timeout = 5000");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let failures = 0;
const timer = setInterval(() => {
  try {
    checkpoint.all();
    failures = 0;
  } catch (error) {
    // Reported once per run of failures; the backstop keeps the log bounded meanwhile.
    if (failures++ === 0) parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

function libsqlPath(): string {
  const fromHere = createRequire(import.meta.url);
  return createRequire(fromHere.resolve("@libsql/client")).resolve("libsql");
}

/**
 * Starts checkpointing the WAL of the SQLite file at `path` on a worker thread. `onError` hears a
 * failed checkpoint (the first of each run of failures). The thread never keeps the process alive.
 */
function startWalCheckpointer(path: string, onError?: (message: string) => void): WalCheckpointer {
  const worker = new Worker(THREAD, {
    eval: true,
    workerData: { libsql: libsqlPath(), path, intervalMs: INTERVAL_MS },
    // A small heap: the thread holds one prepared statement.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  worker.on("message", (message: { error?: string }) => {
    if (message.error) onError?.(message.error);
  });
  worker.on("error", (error) => onError?.(String(error)));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      worker.postMessage("stop");
      // The thread closes its connection and ends; terminate() only if it does not within a second.
      const timeout = setTimeout(() => void worker.terminate(), 1000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

export interface LazyWalCheckpointer extends WalCheckpointer {
  /** Counts a transaction of the main connection; starts the thread at START_AFTER_TRANSACTIONS. */
  noteTransaction(): void;
}

/**
 * startWalCheckpointer once the process has run START_AFTER_TRANSACTIONS transactions. `onStart`
 * runs then (it raises the main connection's threshold to BACKSTOP_PAGES).
 */
export function lazyWalCheckpointer(
  path: string,
  options: { onStart: () => Promise<unknown>; onError?: (message: string) => void },
): LazyWalCheckpointer {
  let transactions = 0;
  let running: WalCheckpointer | null = null;
  let stopped = false;
  return {
    noteTransaction() {
      if (running || stopped || ++transactions < START_AFTER_TRANSACTIONS) return;
      running = startWalCheckpointer(path, options.onError);
      options.onStart().catch((error: unknown) => options.onError?.(String(error)));
    },
    async stop() {
      stopped = true;
      await running?.stop();
    },
  };
}
