import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { sseFrame } from "./sse-frame";

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
}

export interface SseChannel {
  readonly closed: boolean;
  /** Queues a message without waiting; false when the channel is closed (or just closed for overflow). */
  send(message: SseMessage): boolean;
  /** Resolves when the client has room again (used while replaying history, where waiting is fine). */
  room(): Promise<void>;
  /** Ends the stream once what is queued has been written. */
  close(): void;
  /** The streaming response (Hono's streamSSE) that writes the queue to the client. */
  respond(c: Context): Response;
}

type Queued = { kind: "message"; frame: Uint8Array } | { kind: "comment"; text: string };

const SLOW_CONSUMER_FRAME = sseFrame({
  event: "error",
  data: { code: "slow_consumer", message: "The client fell too far behind; reconnect with Last-Event-ID" },
});

/**
 * One SSE connection with a bounded queue in front of Hono's streamSSE. Live producers never wait:
 * when the client falls more than `maxBufferBytes` behind, it gets a final `error` event (code
 * slow_consumer) and the stream ends, so a slow reader costs its own connection and never the worker.
 * A comment line every `heartbeatMs` keeps proxies from closing an idle stream.
 */
export function createSseChannel(options: SseChannelOptions): SseChannel {
  const queue: Queued[] = [{ kind: "comment", text: ": connected\n\n" }];
  let queuedBytes = 0;
  let closed = false;
  let finished = false;
  let roomWaiters: Array<() => void> = [];
  let wakeWriter: (() => void) | null = null;

  const wakeRoom = () => {
    const pending = roomWaiters;
    roomWaiters = [];
    for (const resolve of pending) resolve();
  };
  const push = (item: Queued) => {
    queue.push(item);
    if (item.kind === "message") queuedBytes += item.frame.byteLength;
    wakeWriter?.();
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    closed = true;
    clearInterval(heartbeat);
    wakeRoom();
    wakeWriter?.();
    options.onClose?.();
  };

  const heartbeat = setInterval(() => {
    if (!closed) push({ kind: "comment", text: ": heartbeat\n\n" });
  }, options.heartbeatMs);
  heartbeat.unref?.();

  const channel: SseChannel = {
    get closed() {
      return closed;
    },
    send(message) {
      if (closed) return false;
      // Encoded once for every client that gets this event (sse-frame.ts); the queue holds the bytes.
      const frame = sseFrame(message);
      if (queuedBytes + frame.byteLength > options.maxBufferBytes && queuedBytes > 0) {
        // Drop what the client has not read and tell it why; it resumes with Last-Event-ID.
        queue.length = 0;
        queuedBytes = 0;
        push({ kind: "message", frame: SLOW_CONSUMER_FRAME });
        channel.close();
        return false;
      }
      push({ kind: "message", frame });
      return true;
    },
    room() {
      if (closed || queuedBytes < options.maxBufferBytes) return Promise.resolve();
      return new Promise((resolve) => roomWaiters.push(resolve));
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      wakeRoom();
      wakeWriter?.();
    },
    respond(c) {
      c.header("cache-control", "no-cache, no-transform");
      c.header("x-accel-buffering", "no");
      return streamSSE(c, async (stream) => {
        stream.onAbort(finish);
        try {
          for (;;) {
            const item = queue.shift();
            if (!item) {
              if (closed || stream.aborted) break;
              await new Promise<void>((resolve) => (wakeWriter = resolve));
              wakeWriter = null;
              continue;
            }
            if (item.kind === "comment") {
              await stream.write(item.text);
              continue;
            }
            queuedBytes -= item.frame.byteLength;
            if (queuedBytes < options.maxBufferBytes) wakeRoom();
            await stream.write(item.frame);
          }
        } finally {
          finish();
        }
      });
    },
  };
  return channel;
}
