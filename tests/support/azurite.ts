import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./process";

const ROOT = resolve(import.meta.dirname, "../..");
/** Azurite's documented development account key (public, the same on every machine). */
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the Azurite Blob emulator (the `azurite` dev dependency) on a free port with a temp location. */
export async function startAzurite(timeoutMs = 30_000): Promise<Azurite> {
  const port = await freePort();
  const location = mkdtempSync(join(tmpdir(), "cloudops-azurite-"));
  const child: ChildProcess = spawn(
    join(ROOT, "node_modules/.bin/azurite-blob"),
    [
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--location",
      location,
      "--silent",
      "--skipApiVersionCheck",
      "--loose",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(location, { recursive: true, force: true });
      throw new Error(`Azurite did not start on port ${port}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    async stop() {
      if (child.exitCode === null) {
        // Azurite waits for open keep-alive connections on SIGTERM; it holds nothing worth a clean stop.
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}
