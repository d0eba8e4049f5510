const encoder = new TextEncoder();

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
  readonly stream: ReadableStream<Uint8Array>;
  readonly closed: boolean;
  /** Queues a message without waiting; false when the channel is closed (or just closed for overflow). */
  send(message: SseMessage): boolean;
  /** Resolves when the client has room again (used while replaying history, where waiting is fine). */
  room(): Promise<void>;
  close(): void;
}

/** Formats one SSE message; multi-line data becomes several `data:` lines. */
export function formatSse(message: SseMessage): string {
  let out = "";
  if (message.event) out += `event: ${message.event}\n`;
  if (message.id !== undefined) out += `id: ${message.id}\n`;
  const data = typeof message.data === "string" ? message.data : JSON.stringify(message.data);
  for (const line of data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * One SSE connection with a bounded queue. Live producers never wait: when the client falls more than
 * `maxBufferBytes` behind, it gets a final `error` event (code slow_consumer) and the stream ends, so
 * a slow reader costs its own connection and never the worker. A comment line every `heartbeatMs`
 * keeps proxies from closing an idle stream.
 */
export function createSseChannel(options: SseChannelOptions): SseChannel {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let closed = false;
  let waiters: Array<() => void> = [];
  let heartbeat: ReturnType<typeof setInterval> | null = null;

  const wake = () => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };

  const finish = () => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    wake();
    options.onClose?.();
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        wake();
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: options.maxBufferBytes, size: (chunk) => chunk.byteLength },
  );

  const enqueue = (text: string): boolean => {
    if (closed || !controller) return false;
    try {
      controller.enqueue(encoder.encode(text));
      return true;
    } catch {
      finish();
      return false;
    }
  };

  const channel: SseChannel = {
    stream,
    get closed() {
      return closed;
    },
    send(message) {
      if (closed || !controller) return false;
      if ((controller.desiredSize ?? 0) <= 0) {
        enqueue(
          formatSse({
            event: "error",
            data: {
              code: "slow_consumer",
              message: "The client fell too far behind; reconnect with Last-Event-ID",
            },
          }),
        );
        channel.close();
        return false;
      }
      return enqueue(formatSse(message));
    },
    room() {
      if (closed || !controller || (controller.desiredSize ?? 0) > 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      if (closed) return;
      try {
        controller?.close();
      } catch {
        // already errored or closed by the client
      }
      finish();
    },
  };

  enqueue(": connected\n\n");
  heartbeat = setInterval(() => enqueue(": heartbeat\n\n"), options.heartbeatMs);
  heartbeat.unref?.();
  return channel;
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;
