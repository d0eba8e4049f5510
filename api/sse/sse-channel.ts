import type { ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { sseFrame } from "./sse-frame";
import { type Tickable, type Ticker, tickerEvery } from "./sse-ticker";

export interface SseMessage {
  id?: string | number;
  event?: string;
  data: unknown;
}

export interface SseChannelOptions {
  /** Bytes queued for one client before it counts as too slow and is dropped. */
  maxBufferBytes: number;
  heartbeatMs: number;
  /** Called once when the channel ends, whoever ended it. */
  onClose?: () => void;
  /** Called with every heartbeat while the channel is open (a task stream looks at the database). */
  onTick?: () => void;
}

export interface SseChannel {
  readonly closed: boolean;
  /** Queues a message without waiting; false when the channel is closed (or just closed for overflow). */
  send(message: SseMessage): boolean;
  /** Queues frames already encoded (one buffer shared by every client of an event); false as send. */
  write(frame: Uint8Array): boolean;
  /**
   * Queues several frames as one write (`joined` is their concatenation, shared by every client);
   * when they do not all fit, frame by frame up to the bound. False as send.
   */
  writeAll(frames: readonly Uint8Array[], joined: Uint8Array): boolean;
  /** Resolves when the client has room again (used while replaying history, where waiting is fine). */
  room(): Promise<void>;
  /** Ends the stream once what is queued has been written. */
  close(): void;
  /**
   * Sends the headers and starts the stream. Served by @hono/node-server, it writes straight to the
   * Node response and answers RESPONSE_ALREADY_SENT; called in-process (app.request), a web stream.
   */
  respond(c: Context): Response;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};
const CONNECTED = Buffer.from(": connected\n\n");
const HEARTBEAT = Buffer.from(": heartbeat\n\n");
const SLOW_CONSUMER_FRAME = sseFrame({
  event: "error",
  data: { code: "slow_consumer", message: "The client fell too far behind; reconnect with Last-Event-ID" },
});
// A dropped slow client gets this long to read its last bytes before its socket is destroyed.
const SLOW_CONSUMER_LINGER_MS = 10_000;

interface NodeBindings {
  outgoing?: ServerResponse;
}

/**
 * One SSE connection: a small object per client, no timer, stream or queue of its own. On a Node
 * server each frame goes to `res.write` as it is (the same Buffer for every client of an event); the
 * socket's own buffer is the queue, and `res.writableLength` measures how far the client is behind.
 * Live producers never wait: when a client falls more than `maxBufferBytes` behind, it gets a final
 * `error` event (code slow_consumer) and the stream ends, so a slow reader costs its own connection and
 * never the worker or the memory of the process. A shared timer (sse-ticker.ts) writes a comment line
 * every `heartbeatMs` to keep proxies from closing an idle stream.
 */
class SseConnection implements SseChannel, Tickable {
  closed = false;
  private finished = false;
  private res: ServerResponse | null = null;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  // Frames sent before respond(): written once the stream starts.
  private pending: Uint8Array[] | null = [];
  private pendingBytes = 0;
  private roomWaiters: Array<() => void> = [];
  private readonly ticker: Ticker;

  constructor(private readonly options: SseChannelOptions) {
    this.ticker = tickerEvery(options.heartbeatMs);
    this.ticker.add(this);
  }

  /** Bytes written but not yet taken by the client. */
  private buffered(): number {
    if (this.res) return this.res.writableLength;
    if (this.controller) return this.options.maxBufferBytes - (this.controller.desiredSize ?? 0);
    return this.pendingBytes;
  }

  private put(frame: Uint8Array): void {
    if (this.res) this.res.write(frame);
    else if (this.controller) this.controller.enqueue(frame);
    else {
      this.pending?.push(frame);
      this.pendingBytes += frame.byteLength;
    }
  }

  send(message: SseMessage): boolean {
    // Encoded once for every client that gets this event (sse-frame.ts).
    return this.write(sseFrame(message));
  }

  write(frame: Uint8Array): boolean {
    if (this.closed) return false;
    const buffered = this.buffered();
    if (buffered > 0 && buffered + frame.byteLength > this.options.maxBufferBytes) {
      this.overflow();
      return false;
    }
    this.put(frame);
    return true;
  }

  writeAll(frames: readonly Uint8Array[], joined: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.buffered() + joined.byteLength <= this.options.maxBufferBytes) {
      this.put(joined);
      return true;
    }
    for (const frame of frames) if (!this.write(frame)) return false;
    return true;
  }

  private overflow(): void {
    this.closed = true;
    if (this.res) {
      const res = this.res;
      res.end(SLOW_CONSUMER_FRAME);
      // A client that stopped reading would hold its buffer until the socket times out.
      setTimeout(() => res.destroy(), SLOW_CONSUMER_LINGER_MS).unref();
    } else if (this.controller) {
      this.controller.enqueue(SLOW_CONSUMER_FRAME);
      this.controller.close();
    } else {
      // Not started yet: the client gets only the error.
      this.pending = [SLOW_CONSUMER_FRAME];
      this.pendingBytes = 0;
      return;
    }
    this.finish();
  }

  room(): Promise<void> {
    if (this.closed || this.buffered() < this.options.maxBufferBytes) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.roomWaiters.length === 0) this.res?.once("drain", () => this.wakeRoom());
      this.roomWaiters.push(resolve);
    });
  }

  private wakeRoom(): void {
    const waiting = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiting) resolve();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.res) this.res.end();
    else if (this.controller) this.controller.close();
    else return; // respond() ends it after writing what is pending
    this.finish();
  }

  tick(): void {
    if (this.closed) return;
    if (this.buffered() < this.options.maxBufferBytes) this.put(HEARTBEAT);
    this.options.onTick?.();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    this.ticker.delete(this);
    this.wakeRoom();
    this.options.onClose?.();
  }

  private takePending(): Uint8Array[] {
    const frames = this.pending ?? [];
    this.pending = null;
    this.pendingBytes = 0;
    return frames;
  }

  respond(c: Context): Response {
    const res = (c.env as NodeBindings | undefined)?.outgoing;
    if (res && typeof res.writeHead === "function" && !res.headersSent) {
      // The request id and any other header set by middleware, as Hono would have sent them.
      const head = c.newResponse(null, 200, SSE_HEADERS);
      // Not chunked: the body ends when the connection closes (`connection: close`), which is how an
      // event stream ends anyway, so each frame is one plain socket write instead of a corked writev
      // of chunk size, frame and CRLF on the next tick. Writing one event to 1,000 clients took 25%
      // less time this way (bench:sse; the per-socket send is most of what is left).
      res.removeHeader("transfer-encoding");
      res.writeHead(200, { ...Object.fromEntries(head.headers), connection: "close" });
      res.write(CONNECTED);
      for (const frame of this.takePending()) res.write(frame);
      this.res = res;
      const done = () => this.finish();
      res.on("close", done);
      // A write racing a reset socket must not become an unhandled 'error' that ends the process.
      res.on("error", done);
      if (this.closed) {
        res.end();
        this.finish();
      }
      return RESPONSE_ALREADY_SENT;
    }
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          controller.enqueue(CONNECTED);
          for (const frame of this.takePending()) controller.enqueue(frame);
          this.controller = controller;
          if (this.closed) {
            controller.close();
            this.finish();
          }
        },
        pull: () => this.wakeRoom(),
        cancel: () => this.finish(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.options.maxBufferBytes }),
    );
    return c.newResponse(body, 200, SSE_HEADERS);
  }
}

/** One SSE connection with a bounded buffer (see SseConnection). */
export function createSseChannel(options: SseChannelOptions): SseChannel {
  return new SseConnection(options);
}
