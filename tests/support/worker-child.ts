import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WorkerSettings } from "./worker-process";

const entry = fileURLToPath(new URL("./worker-process.ts", import.meta.url));

export interface WorkerChild {
  process: ChildProcess;
  /** Resolves when the worker consumes; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** What it wrote to stderr so far (its warn and error log lines). */
  stderr(): string;
  /** Kills it (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts tests/support/worker-process.ts as a real child process (node --import tsx). */
export function spawnWorker(settings: WorkerSettings): WorkerChild {
  const child = spawn(process.execPath, ["--import", "tsx", entry, JSON.stringify(settings)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    void exited.then((code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
  });
  return {
    process: child,
    ready,
    exited,
    stderr: () => stderr,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
