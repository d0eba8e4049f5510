import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, type ContainerClient, RestError } from "@azure/storage-blob";
import {
  ArtifactNotFoundError,
  type ArtifactStore,
  assertValidKey,
  DigestStream,
  toReadable,
} from "./artifact-store";

export interface AzureBlobStoreOptions {
  /** A storage connection string (Azurite's well-known one in tests)... */
  connectionString?: string;
  /** ...or the account URL, signed in with `credential` (DefaultAzureCredential in production). */
  accountUrl?: string;
  credential?: TokenCredential;
  container: string;
  /** Block size of streaming uploads; memory use is about blockBytes × concurrency. */
  blockBytes?: number;
  concurrency?: number;
}

const notFound = (error: unknown) => error instanceof RestError && error.statusCode === 404;

/**
 * Artifacts as block blobs in one container (created when missing). Uploads stream in blocks that are
 * committed only at the end, so an aborted upload leaves no blob (Azure discards uncommitted blocks).
 */
export function createAzureBlobArtifactStore(options: AzureBlobStoreOptions): ArtifactStore {
  const service = options.connectionString
    ? BlobServiceClient.fromConnectionString(options.connectionString)
    : options.accountUrl && options.credential
      ? new BlobServiceClient(options.accountUrl, options.credential)
      : null;
  if (!service) throw new Error("The Blob artifact store needs a connection string or an account URL");
  const container: ContainerClient = service.getContainerClient(options.container);
  const blockBytes = options.blockBytes ?? 4 * 1024 * 1024;
  const concurrency = options.concurrency ?? 4;
  let ready: Promise<unknown> | null = null;
  const ensureContainer = () => {
    ready ??= container.createIfNotExists().catch((error) => {
      ready = null;
      throw error;
    });
    return ready;
  };
  const blob = (key: string) => {
    assertValidKey(key);
    return container.getBlockBlobClient(key);
  };

  return {
    kind: "azure-blob",
    async put(key, source, putOptions = {}) {
      const client = blob(key);
      await ensureContainer();
      const digest = new DigestStream();
      const abort = new AbortController();
      const onAbort = () => abort.abort(putOptions.signal?.reason);
      if (putOptions.signal?.aborted) onAbort();
      putOptions.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        const feeding = pipeline(toReadable(source), digest, { signal: abort.signal }).catch((error) => {
          abort.abort(error);
          throw error;
        });
        const uploading = client.uploadStream(digest, blockBytes, concurrency, {
          abortSignal: abort.signal,
          blobHTTPHeaders: { blobContentType: "application/octet-stream" },
        });
        await Promise.all([feeding, uploading]);
      } finally {
        putOptions.signal?.removeEventListener("abort", onAbort);
      }
      return { key, ...digest.digest() };
    },
    async get(key, getOptions = {}) {
      await ensureContainer();
      try {
        const response = await blob(key).download(0, undefined, { abortSignal: getOptions.signal });
        const body = response.readableStreamBody;
        if (!body) throw new Error("Blob download returned no body");
        return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Uint8Array>);
      } catch (error) {
        if (notFound(error)) throw new ArtifactNotFoundError(key);
        throw error;
      }
    },
    async stat(key) {
      await ensureContainer();
      try {
        const properties = await blob(key).getProperties();
        return { size: properties.contentLength ?? 0 };
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
    async delete(key) {
      await ensureContainer();
      await blob(key).deleteIfExists();
    },
    async list(prefix) {
      await ensureContainer();
      const keys: string[] = [];
      for await (const item of container.listBlobsFlat({ prefix })) keys.push(item.name);
      return keys.sort();
    },
  };
}
