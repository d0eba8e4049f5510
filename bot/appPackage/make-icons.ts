// Writes the Teams app icons (color.png 192x192, outline.png 32x32) with Node's zlib only:
//   npx tsx bot/appPackage/make-icons.ts
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

type Pixel = [number, number, number, number];

/** A truecolour+alpha PNG from a pixel function. */
export function png(size: number, pixel: (x: number, y: number) => Pixel): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) Buffer.from(pixel(x, y)).copy(raw, y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A cloud of three circles and a base: inside the shape or not, at unit scale. */
function inCloud(u: number, v: number): boolean {
  const circle = (cx: number, cy: number, r: number) => (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
  const base = v >= 0.55 && v <= 0.72 && u >= 0.22 && u <= 0.78;
  return circle(0.36, 0.55, 0.17) || circle(0.55, 0.45, 0.22) || circle(0.7, 0.58, 0.14) || base;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL(".", import.meta.url);
  // Colour icon: white cloud on the brand blue, full bleed as Teams asks.
  writeFileSync(
    new URL("color.png", dir),
    png(192, (x, y) => (inCloud(x / 192, y / 192) ? [255, 255, 255, 255] : [15, 108, 189, 255])),
  );
  // Outline icon: white on transparent, nothing else.
  writeFileSync(
    new URL("outline.png", dir),
    png(32, (x, y) => (inCloud(x / 32, y / 32) ? [255, 255, 255, 255] : [0, 0, 0, 0])),
  );
}
