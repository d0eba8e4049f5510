import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { compressBuffer, type Encoding, negotiateEncoding } from "./http-compression";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};
const TEXT = new Set([".js", ".mjs", ".css", ".svg", ".json", ".map"]);

interface Entry {
  identity: Buffer;
  etag: string;
  variants: Map<Encoding, Promise<Buffer>>;
}

/**
 * Serves files of one directory that never change while the process runs (hashed build output, a
 * pinned package's bundle): each is read and compressed once (brotli and gzip at a high level) and
 * kept in memory, so a request costs a Map lookup.
 */
export function createAssetCache(root: string, cacheControl: string) {
  const base = resolve(root);
  const entries = new Map<string, Promise<Entry | null>>();

  async function load(file: string): Promise<Entry | null> {
    try {
      if (!(await stat(file)).isFile()) return null;
      const identity = await readFile(file);
      const etag = `"${createHash("sha1").update(identity).digest("base64url").slice(0, 20)}"`;
      return { identity, etag, variants: new Map() };
    } catch {
      return null;
    }
  }

  /** The file at `relativePath` as a Response for these request headers, or null when it is not there. */
  return async function serve(relativePath: string, headers: Headers): Promise<Response | null> {
    const file = resolve(base, `.${sep}${decodeURIComponent(relativePath)}`);
    if (!file.startsWith(base + sep)) return null;
    let pending = entries.get(file);
    if (!pending) {
      pending = load(file);
      entries.set(file, pending);
    }
    const entry = await pending;
    if (!entry) {
      entries.delete(file);
      return null;
    }
    const ext = extname(file).toLowerCase();
    const out = new Headers({
      "content-type": TYPES[ext] ?? "application/octet-stream",
      "cache-control": cacheControl,
      etag: entry.etag,
      vary: "Accept-Encoding",
    });
    if (headers.get("if-none-match") === entry.etag) return new Response(null, { status: 304, headers: out });
    const encoding = TEXT.has(ext) ? negotiateEncoding(headers.get("accept-encoding")) : null;
    let body = entry.identity;
    if (encoding && entry.identity.byteLength > 1024) {
      let variant = entry.variants.get(encoding);
      if (!variant) {
        variant = compressBuffer(entry.identity, encoding);
        entry.variants.set(encoding, variant);
      }
      body = await variant;
      out.set("content-encoding", encoding);
    }
    out.set("content-length", String(body.byteLength));
    return new Response(new Uint8Array(body), { status: 200, headers: out });
  };
}
