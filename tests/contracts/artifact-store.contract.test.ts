import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArtifactNotFoundError,
  type ArtifactStore,
  digestOf,
  putText,
} from "../../platform/artifacts/artifact-store";
import { createAzureBlobArtifactStore } from "../../platform/artifacts/azure-blob-artifact-store";
import { createLocalArtifactStore } from "../../platform/artifacts/local-artifact-store";
import { type Azurite, startAzurite } from "../support/azurite";
import { uniqueSuffix } from "../support/services";

interface Subject {
  store: ArtifactStore;
  /** Everything the store holds, partial writes included (files on disk, committed blobs). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  local: async () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudops-store-"));
    const store = createLocalArtifactStore(dir);
    return {
      store,
      leftovers: async () =>
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name)),
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  "azure-blob (Azurite)": async () => {
    const azurite: Azurite = await startAzurite();
    // Small blocks so a few MB already make a multi-block upload.
    const store = createAzureBlobArtifactStore({
      connectionString: azurite.connectionString,
      container: `contract-${uniqueSuffix().replace(/_/g, "-")}`.toLowerCase().slice(0, 63),
      blockBytes: 256 * 1024,
      concurrency: 3,
    });
    return { store, leftovers: () => store.list(""), close: () => azurite.stop() };
  },
};

/** `count` random chunks of `size` bytes, and their sha256. */
function chunks(count: number, size: number) {
  const parts = Array.from({ length: count }, () => randomBytes(size));
  const sha256 = createHash("sha256");
  for (const p of parts) sha256.update(p);
  return { parts, size: count * size, sha256: sha256.digest("hex") };
}

async function* yieldThenFail(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
  throw new Error("source broke");
}

async function* yieldThenHang(parts: Buffer[], hang: Promise<void>): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
  await hang;
}

for (const [name, make] of Object.entries(subjects)) {
  describe(`artifact store contract: ${name}`, () => {
    let s: Subject;
    beforeAll(async () => {
      s = await make();
    });
    afterAll(async () => {
      await s?.close();
    });

    it("streams content in and out unchanged, with the size and sha256 of what went in", async () => {
      const data = chunks(24, 128 * 1024);
      const stored = await s.store.put("backups/pg/one/a.dump", data.parts.values());
      expect(stored).toEqual({ key: "backups/pg/one/a.dump", size: data.size, sha256: data.sha256 });
      expect(await s.store.stat("backups/pg/one/a.dump")).toEqual({ size: data.size });
      expect(await digestOf(await s.store.get("backups/pg/one/a.dump"))).toEqual({
        size: data.size,
        sha256: data.sha256,
      });
    });

    it("replaces the content of a key written twice", async () => {
      await putText(s.store, "plans/p.json", "first");
      const second = await putText(s.store, "plans/p.json", "second version");
      const text = Buffer.concat(await (await s.store.get("plans/p.json")).toArray()).toString();
      expect(text).toBe("second version");
      expect(second.size).toBe(14);
    });

    it("answers a missing key with ArtifactNotFoundError and stat null", async () => {
      await expect(s.store.get("nothing/here.dump")).rejects.toBeInstanceOf(ArtifactNotFoundError);
      expect(await s.store.stat("nothing/here.dump")).toBeNull();
    });

    it("leaves nothing behind when the source fails half way, and keeps what was there", async () => {
      const data = chunks(8, 128 * 1024);
      await expect(s.store.put("broken/new.dump", yieldThenFail(data.parts))).rejects.toThrow("source broke");
      expect(await s.store.stat("broken/new.dump")).toBeNull();
      await putText(s.store, "broken/old.dump", "intact");
      await expect(s.store.put("broken/old.dump", yieldThenFail(data.parts))).rejects.toThrow();
      const text = Buffer.concat(await (await s.store.get("broken/old.dump")).toArray()).toString();
      expect(text).toBe("intact");
      expect((await s.leftovers()).filter((k) => k.includes("new.dump"))).toEqual([]);
    });

    it("stops and leaves nothing behind when the write is aborted", async () => {
      const data = chunks(6, 128 * 1024);
      let release = () => {};
      const hang = new Promise<void>((r) => {
        release = r;
      });
      const abort = new AbortController();
      const writing = s.store.put("aborted/x.dump", yieldThenHang(data.parts, hang), {
        signal: abort.signal,
      });
      setTimeout(() => abort.abort(new Error("cancelled")), 50);
      await expect(writing).rejects.toThrow();
      release();
      expect(await s.store.stat("aborted/x.dump")).toBeNull();
      expect((await s.leftovers()).filter((k) => k.includes("aborted"))).toEqual([]);
    });

    it("deletes a key, and deleting a missing key is fine", async () => {
      await putText(s.store, "gone/x.txt", "x");
      await s.store.delete("gone/x.txt");
      await s.store.delete("gone/x.txt");
      expect(await s.store.stat("gone/x.txt")).toBeNull();
    });

    it("lists the keys under a prefix only", async () => {
      await putText(s.store, "list/a/1.txt", "1");
      await putText(s.store, "list/a/2.txt", "2");
      await putText(s.store, "list/b/3.txt", "3");
      expect(await s.store.list("list/a/")).toEqual(["list/a/1.txt", "list/a/2.txt"]);
    });

    it("refuses keys that could escape or confuse the store", async () => {
      for (const key of ["../etc/passwd", "/abs", "a/../../b", "a//b", ""]) {
        await expect(putText(s.store, key, "x")).rejects.toThrow(/Invalid artifact key/);
      }
    });
  });
}
