import { Duplex } from "node:stream";
import { promisify } from "node:util";
import { brotliCompress, constants, createBrotliCompress, createGzip, gzip } from "node:zlib";

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = "br" | "gzip";

// Text that shrinks well. Event streams are left alone: a compressor buffers, and a live SSE message
// must reach the browser the moment it is written.
const COMPRESSIBLE =
  /^(text\/(html|css|plain|javascript)|application\/(javascript|json|problem\+json|xml)|image\/svg\+xml)/i;
// Below this the headers cost more than the bytes saved.
const MIN_BYTES = 1024;

/** The best encoding the client accepts (brotli first), or null for identity. */
export function negotiateEncoding(acceptEncoding: string | null | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    accepted.set(name, q ? Number(q.slice(2)) : 1);
  }
  const ok = (name: Encoding) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  if (ok("br")) return "br";
  if (ok("gzip")) return "gzip";
  return null;
}

/**
 * Compresses a whole buffer once (immutable assets kept in memory): brotli at a high quality, off the
 * event loop (zlib's thread pool), so a 3.5 MB bundle does not stall other requests.
 */
export function compressBuffer(body: Uint8Array, encoding: Encoding): Promise<Buffer> {
  return encoding === "br"
    ? brotliAsync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength },
      })
    : gzipAsync(body, { level: 9 });
}

// Reading `response.body` turns @hono/node-server's lightweight response into a real web Response with
// a ReadableStream (5% of the CPU of `GET /api/tasks/{id}` in a profile), so every check that headers
// can answer comes first, and the body is touched only when it is about to be compressed.
function compressibleByHeaders(response: Response): boolean {
  if (response.status < 200 || response.status === 204 || response.status === 206) return false;
  if (response.headers.has("content-encoding")) return false;
  if (!COMPRESSIBLE.test(response.headers.get("content-type") ?? "")) return false;
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  return !(Number.isFinite(length) && length < MIN_BYTES);
}

/**
 * The response compressed on the fly for the client's Accept-Encoding (brotli at a fast quality, or
 * gzip), or the response unchanged when it is not text, already encoded, tiny, or an event stream.
 */
export function compressResponse(acceptEncoding: string | null | undefined, response: Response): Response {
  const vary = () => {
    const current = response.headers.get("vary");
    if (!current?.toLowerCase().includes("accept-encoding"))
      response.headers.set("vary", current ? `${current}, Accept-Encoding` : "Accept-Encoding");
  };
  const textual = COMPRESSIBLE.test(response.headers.get("content-type") ?? "");
  const encoding = textual ? negotiateEncoding(acceptEncoding) : null;
  if (!encoding || !compressibleByHeaders(response) || !response.body) {
    if (textual) trySet(vary);
    return response;
  }
  const compressor =
    encoding === "br"
      ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
      : createGzip({ level: 6 });
  const pair = Duplex.toWeb(compressor) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.set("content-encoding", encoding);
  const current = headers.get("vary");
  if (!current?.toLowerCase().includes("accept-encoding"))
    headers.set("vary", current ? `${current}, Accept-Encoding` : "Accept-Encoding");
  return new Response(response.body.pipeThrough(pair), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

// Some responses (Response.redirect) have immutable headers; a missing Vary there is harmless.
function trySet(apply: () => void): void {
  try {
    apply();
  } catch {
    // immutable headers
  }
}
