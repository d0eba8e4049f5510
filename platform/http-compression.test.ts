import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compressResponse, negotiateEncoding } from "./http-compression";

const big = "<p>hello, compressible world</p>".repeat(200);

describe("negotiateEncoding", () => {
  it("prefers brotli, falls back to gzip and honours q=0", () => {
    expect(negotiateEncoding("gzip, deflate, br")).toBe("br");
    expect(negotiateEncoding("gzip")).toBe("gzip");
    expect(negotiateEncoding("br;q=0, gzip;q=0.5")).toBe("gzip");
    expect(negotiateEncoding("identity")).toBeNull();
    expect(negotiateEncoding(null)).toBeNull();
  });
});

describe("compressResponse", () => {
  it("brotli-compresses HTML the client accepts and the bytes decode to the original", async () => {
    const out = compressResponse("br", new Response(big, { headers: { "content-type": "text/html" } }));
    expect(out.headers.get("content-encoding")).toBe("br");
    expect(out.headers.get("vary")).toContain("Accept-Encoding");
    const bytes = Buffer.from(await out.arrayBuffer());
    expect(bytes.byteLength).toBeLessThan(big.length / 5);
    expect(brotliDecompressSync(bytes).toString()).toBe(big);
  });

  it("gzips for a client without brotli", async () => {
    const out = compressResponse("gzip", new Response(big, { headers: { "content-type": "text/css" } }));
    expect(out.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await out.arrayBuffer())).toString()).toBe(big);
  });

  it("leaves event streams, images and tiny bodies alone", () => {
    for (const [type, body, length] of [
      ["text/event-stream", big, null],
      ["image/png", big, null],
      ["text/html", "<p>hi</p>", "9"],
    ] as const) {
      const headers: Record<string, string> = { "content-type": type };
      if (length) headers["content-length"] = length;
      const out = compressResponse("br, gzip", new Response(body, { headers }));
      expect(out.headers.get("content-encoding"), type).toBeNull();
    }
  });
});
