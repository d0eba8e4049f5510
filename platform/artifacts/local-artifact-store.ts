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
      try {
        await pipeline(toReadable(source), digest, createWriteStream(temp), { signal: options.signal });
        await rename(temp, full);
      } catch (error) {
        await rm(temp, { force: true });
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
