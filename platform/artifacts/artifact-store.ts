import { createHash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";

/** What a finished write left in the store: its key, byte count and sha256 (hex), computed on the way in. */
export interface StoredArtifact {
  key: string;
  size: number;
  sha256: string;
}

export interface PutOptions {
  /** Aborting stops the write and removes what was written so far. */
  signal?: AbortSignal;
}

/**
 * Where plans and backups live (local disk or Azure Blob Storage). Content is streamed both ways so a
 * multi-gigabyte dump never sits in memory; a key becomes visible only once its write completed.
 */
export interface ArtifactStore {
  readonly kind: "local" | "azure-blob";
  /** Streams `source` under `key` (replacing it); on error or abort nothing is left under `key`. */
  put(
    key: string,
    source: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options?: PutOptions,
  ): Promise<StoredArtifact>;
  /** The content as a stream; throws ArtifactNotFoundError when the key holds nothing. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** Size of the content under `key`, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

export class ArtifactNotFoundError extends Error {
  readonly code = "artifact_missing";
  constructor(readonly key: string) {
    super(`No artifact content under ${key}`);
    this.name = "ArtifactNotFoundError";
  }
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Keys are relative slash paths of safe characters: no `..`, no leading slash, nothing to escape with. */
export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`Invalid artifact key: ${JSON.stringify(key)}`);
  }
}

/** A pass-through stream that counts bytes and hashes them with sha256 as they flow. */
export class DigestStream extends Transform {
  private readonly hash = createHash("sha256");
  private bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** Size and sha256 of everything that passed; call once the stream has ended. */
  digest(): { size: number; sha256: string } {
    return { size: this.bytes, sha256: this.hash.digest("hex") };
  }
}

/** Size and sha256 of a stream's content, read to the end (memory stays flat). */
export async function digestOf(source: AsyncIterable<Uint8Array>): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest("hex") };
}

/** Stores a small text (a plan) through the same streaming path as a dump. */
export function putText(store: ArtifactStore, key: string, text: string): Promise<StoredArtifact> {
  return store.put(key, Readable.from([Buffer.from(text)]));
}

/** Reads a small artifact (a plan) whole; dumps are streamed instead. */
export async function getBuffer(
  store: ArtifactStore,
  key: string,
  options?: { signal?: AbortSignal },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key, options)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function toReadable(source: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Readable {
  return source instanceof Readable ? source : Readable.from(source, { objectMode: false });
}
