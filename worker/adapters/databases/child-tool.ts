import { type ChildProcess, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";

export interface ToolRun {
  child: ChildProcess;
  stdout: Readable;
  stdin: Writable | null;
  /** Resolves when the process ended (never rejects): exit code, signal, the tail of stderr, spawn error. */
  exited: Promise<ToolExit>;
}

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Set when the binary could not be started (ENOENT: not installed). */
  spawnError?: NodeJS.ErrnoException;
}

const STDERR_LIMIT = 16 * 1024;

/**
 * Starts a command-line tool whose stdout (or stdin) carries the data. Aborting `signal` sends
 * SIGTERM, then SIGKILL after `killGraceMs`, so a cancelled or timed-out dump never lingers.
 * Secrets go in `env` (PGPASSWORD), never in arguments other processes can read.
 */
export function runTool(options: {
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  signal: AbortSignal;
  stdin?: boolean;
  killGraceMs?: number;
}): ToolRun {
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_LIMIT);
  });
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), options.killGraceMs ?? 5000);
    killTimer.unref();
  };
  if (options.signal.aborted) stop();
  options.signal.addEventListener("abort", stop, { once: true });
  const exited = new Promise<ToolExit>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, stderr, spawnError: error });
    });
    child.once("close", (code, signal) => resolve({ code, signal, stderr }));
  }).finally(() => {
    clearTimeout(killTimer);
    options.signal.removeEventListener("abort", stop);
  });
  // stdout/stdin exist because stdio is "pipe" for them.
  return { child, stdout: child.stdout as Readable, stdin: child.stdin, exited };
}

/** Last meaningful line of a tool's stderr, with any secret replaced, for a log line or error. */
export function lastLine(stderr: string, secrets: (string | undefined)[] = []): string {
  let text = stderr;
  for (const secret of secrets) if (secret && secret.length >= 3) text = text.split(secret).join("***");
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? "";
}
