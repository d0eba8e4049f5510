import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, normalize, relative } from "node:path";

export interface StoredFile {
  /** Path relative to DATA_DIR, as recorded in the artifacts table. */
  path: string;
  size: number;
  sha256: string;
}

/** Where plans and backups live. Demo: files under DATA_DIR; Azure Blob Storage would implement the same. */
export interface ArtifactStorage {
  write(path: string, content: Buffer | string): Promise<StoredFile>;
  read(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
}

export function createLocalArtifactStorage(dataDir: string): ArtifactStorage {
  const resolvePath = (path: string) => {
    const full = normalize(join(dataDir, path));
    if (relative(dataDir, full).startsWith("..")) throw new Error(`Path escapes the data directory: ${path}`);
    return full;
  };
  return {
    async write(path, content) {
      const full = resolvePath(path);
      await mkdir(dirname(full), { recursive: true });
      // Write then rename: a crash never leaves a half-written artifact under its final name.
      const temp = `${full}.partial`;
      await writeFile(temp, content);
      await rename(temp, full);
      const buffer = typeof content === "string" ? Buffer.from(content) : content;
      return { path, size: buffer.length, sha256: createHash("sha256").update(buffer).digest("hex") };
    },
    read: (path) => readFile(resolvePath(path)),
    async exists(path) {
      try {
        return (await stat(resolvePath(path))).isFile();
      } catch {
        return false;
      }
    },
  };
}

export function sha256Of(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}
