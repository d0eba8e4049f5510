import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  ArtifactNotFoundError,
  type ArtifactStore,
  assertValidKey,
  DigestStream,
  toReadable,
} from "./artifact-store";

const PARTIAL = ".partial-";

/**
 * `work`, or an AbortError like the pipeline's own as soon as `signal` aborts. On Node 22 and 24
 * `pipeline` settles after an abort only once every stream has closed, and an async-iterable source
 * closes only when its pending await settles (its return() waits for it): a cancelled backup whose
 * source had stalled kept its put pending until the source moved (the contract's abort test hung
 * there; Node 20 rejected at once). The streams are destroyed either way; the late outcome is ignored.
 */
function settledOnAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(
        Object.assign(new Error("The operation was aborted", { cause: signal.reason }), {
          name: "AbortError",
          code: "ABORT_ERR",
        }),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Artifacts as files under `root` (DATA_DIR): written to a temporary name, renamed when complete. */
export function createLocalArtifactStore(root: string): ArtifactStore {
  const pathOf = (key: string) => {
    assertValidKey(key);
    return join(root, ...key.split("/"));
  };
  const missing = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === "ENOENT";

  return {
    kind: "local",
    async put(key, source, options = {}) {
      const full = pathOf(key);
      await mkdir(dirname(full), { recursive: true });
      // A crash or abort never leaves a half-written file under the final name; the temp is removed.
      const temp = `${full}${PARTIAL}${randomBytes(6).toString("hex")}`;
      const digest = new DigestStream();
      const writing = pipeline(toReadable(source), digest, createWriteStream(temp), {
        signal: options.signal,
      });
      try {
        await settledOnAbort(writing, options.signal);
        await rename(temp, full);
      } catch (error) {
        await rm(temp, { force: true });
        // After an abort the pipeline may still be opening or closing the file: remove it again then.
        void writing.then(
          () => rm(temp, { force: true }),
          () => rm(temp, { force: true }),
        );
        throw error;
      }
      return { key, ...digest.digest() };
    },
    async get(key, options = {}) {
      try {
        const handle = await open(pathOf(key), "r");
        return handle.createReadStream({ signal: options.signal });
      } catch (error) {
        if (missing(error)) throw new ArtifactNotFoundError(key);
        throw error;
      }
    },
    async stat(key) {
      try {
        const info = await stat(pathOf(key));
        return info.isFile() ? { size: info.size } : null;
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async list(prefix) {
      let entries: string[];
      try {
        entries = await readdir(root, { recursive: true });
      } catch (error) {
        if (missing(error)) return [];
        throw error;
      }
      const keys: string[] = [];
      for (const entry of entries) {
        const key = relative(root, join(root, entry)).split(sep).join("/");
        if (!key.startsWith(prefix) || key.includes(PARTIAL)) continue;
        if ((await stat(join(root, entry)).catch(() => null))?.isFile()) keys.push(key);
      }
      return keys.sort();
    },
  };
}
