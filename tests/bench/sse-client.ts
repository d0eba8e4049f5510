// The load client of `npm run bench:sse`, in its own process (the bench starts several, so the load
// client's own work does not dominate the latency figure): opens BENCH_CLIENTS connections to the
// all-tasks stream at BENCH_URL, prints "CONNECTED <open> <failed>" once every one is open, records
// for each event frame the delay from the event's `at` (stamped by the journal when it appends the
// event, before the commit) to the moment this process reads the socket chunk holding the frame, and
// on SIGTERM prints one JSON line: the count, a histogram of those delays in whole milliseconds (the
// bench merges the processes' histograms into percentiles) and this process's CPU time since every
// connection was open.
// Plain TCP sockets read into one static buffer and a byte search for the event's `at`, no stream,
// HTTP client or JSON parse per frame: a delivery costs this process little, so it measures the
// server rather than itself.
import { connect } from "node:net";

const url = new URL("/api/tasks/sse", process.env.BENCH_URL ?? "http://127.0.0.1:3000");
const clients = Number(process.env.BENCH_CLIENTS ?? 200);
const REQUEST = Buffer.from(
  `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`,
  "latin1",
);
const HEAD_END = Buffer.from("\r\n\r\n");
// The event's `at` is the first "at" key of its JSON (the top-level field comes before the nested
// task and data objects; a quote inside a string value would be escaped). An ISO time: 24 bytes.
const AT = Buffer.from('"at":"');
const FIELD = AT.length + 24;

// Delay in ms -> deliveries; 5,000 clients make millions of deliveries, so no array of them.
const histogram = new Map<number, number>();
let deliveries = 0;
let open = 0;
let failed = 0;

// CPU from the moment every connection is open, the window over which the bench measures the
// server's CPU too (the start of this process, tsx and the connects are not what a delivery costs).
let cpuAtConnected: NodeJS.CpuUsage | undefined;

function settled(): void {
  if (open + failed !== clients) return;
  cpuAtConnected = process.cpuUsage();
  process.stdout.write(`CONNECTED ${open} ${failed}\n`);
}

function record(buf: Buffer, start: number, now: number): void {
  const at = Date.parse(buf.toString("latin1", start + AT.length, start + FIELD));
  if (!Number.isFinite(at)) return;
  const ms = Math.max(0, now - at);
  histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
  deliveries++;
}

/** Records every `at` field that starts in `buf` from `from` (and before `startsBefore`); returns where the scan ended. */
function scan(buf: Buffer, from: number, now: number, startsBefore = buf.length): number {
  for (;;) {
    const start = buf.indexOf(AT, from);
    if (start < 0 || start >= startsBefore || start + FIELD > buf.length) return from;
    record(buf, start, now);
    from = start + FIELD;
  }
}

// One read buffer for every socket: each read is handled before the next one starts.
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/**
 * One connection, read into the static buffer (`onread`): no stream and no Buffer per read. Read
 * through the socket's stream, with each chunk copied to join it to the bytes before, a read cost this
 * process about 50-70 µs of CPU (2026-12-04: 0.34 s in a run against the server's 0.47 s), so at 1,000
 * clients the last socket of an event was read 100-180 ms after the first: the load client's pace,
 * not the server's; now about 20 µs. A field cut by a segment boundary is joined from the few bytes
 * around the cut.
 */
function connectOne(): void {
  // The response head until it is complete (null once it is).
  let head: Buffer | null = Buffer.alloc(0);
  // The last bytes of the previous read when they could start a field cut in two.
  let tail: Buffer | null = null;
  const onRead = (chunk: Buffer): void => {
    const now = Date.now();
    let buf = chunk;
    if (head) {
      const seen = Buffer.concat([head, chunk]);
      const end = seen.indexOf(HEAD_END);
      if (end < 0) {
        head = seen;
        return;
      }
      head = null;
      if (seen.toString("latin1", 9, 12) !== "200") {
        failed++;
        settled();
        socket.destroy();
        return;
      }
      open++;
      settled();
      buf = seen.subarray(end + HEAD_END.length);
    }
    let from = 0;
    if (tail) {
      // A field that starts in the tail ends in this read: scan the two joined, then go on after it.
      const joint = Buffer.concat([tail, buf.subarray(0, FIELD)]);
      from = Math.max(0, scan(joint, 0, now, tail.length) - tail.length);
      tail = null;
    }
    from = scan(buf, from, now);
    const keep = Math.max(from, buf.length - FIELD + 1);
    if (keep < buf.length) tail = Buffer.from(buf.subarray(keep));
  };
  const socket = connect({
    port: Number(url.port),
    host: url.hostname,
    noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (bytes: number, buffer: Uint8Array) => {
        onRead(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
        return true;
      },
    },
  });
  socket.on("connect", () => socket.write(REQUEST));
  socket.on("error", () => {
    if (!head) return;
    head = null;
    failed++;
    settled();
  });
}

// Exit once the line is out (stdout to a pipe is asynchronous; exiting at once would cut it).
process.on("SIGTERM", () => {
  const cpu = process.cpuUsage(cpuAtConnected);
  const report = {
    open,
    failed,
    deliveries,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    histogram: [...histogram.entries()],
  };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
});

// Open in batches so the server's accept queue is not the thing measured.
for (let i = 0; i < clients; i += 100) {
  for (let j = i; j < Math.min(clients, i + 100); j++) connectOne();
  await new Promise((r) => setTimeout(r, 20));
}
