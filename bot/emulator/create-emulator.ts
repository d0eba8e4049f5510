import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Logger } from "../../platform/logger";
import { type EmulatorUser, emulatedInvoke, emulatedMessage } from "./build-activities";
import { createEmulatorStore, type EmulatorEvent } from "./emulator-store";

const CONVERSATION = /^[A-Za-z0-9._:-]{1,100}$/;
const DEFAULT_USER: EmulatorUser = { id: "29:emulator-demo-user", name: "Demo User" };

export interface EmulatorDeps {
  /** Delivers an activity to the bot's /api/messages (in this process) and returns its answer. */
  postActivity(activity: unknown): Promise<Response>;
  logger: Logger;
}

/**
 * Demo only (MICROSOFT_APP_ID unset): plays Teams for the /chat page. It sends the bot realistic
 * channel activities and plays the Bot Connector the bot answers to, keeping what it received per
 * conversation and streaming it to the page.
 */
export function createEmulator(deps: EmulatorDeps) {
  const store = createEmulatorStore();
  const app = new Hono();
  const bad = (detail: string) =>
    new Response(
      JSON.stringify({
        type: "about:blank",
        title: "Bad request",
        status: 400,
        code: "invalid_request",
        detail,
      }),
      {
        status: 400,
        headers: { "content-type": "application/problem+json" },
      },
    );
  // The bot only calls loopback service URLs in demo (guards/service-url.ts): when the page was
  // opened by another host name, point the connector back at this process over loopback.
  const serviceUrlOf = (url: string) => {
    const origin = new URL(url);
    if (!/^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(origin.hostname)) origin.hostname = "127.0.0.1";
    return `${origin.origin}/emulator/connector`;
  };

  // --- the Bot Connector side (the bot calls these) ---
  const connectorPost = async (conversationId: string, body: Record<string, unknown>, replyToId?: string) => {
    const attachments = Array.isArray(body.attachments)
      ? (body.attachments as EmulatorEvent["attachments"])
      : [];
    const text = typeof body.text === "string" ? body.text : undefined;
    return store.record(conversationId, { replyToId, kind: "created", text, attachments });
  };
  app.post("/emulator/connector/v3/conversations/:cid/activities", async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    return c.json({ id: await connectorPost(c.req.param("cid"), body) });
  });
  app.post("/emulator/connector/v3/conversations/:cid/activities/:replyToId", async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    return c.json({ id: await connectorPost(c.req.param("cid"), body, c.req.param("replyToId")) });
  });
  app.put("/emulator/connector/v3/conversations/:cid/activities/:activityId", async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const id = c.req.param("activityId");
    store.record(c.req.param("cid"), {
      id,
      replyToId: undefined,
      kind: "updated",
      text: typeof body.text === "string" ? body.text : undefined,
      attachments: Array.isArray(body.attachments) ? (body.attachments as EmulatorEvent["attachments"]) : [],
    });
    return c.json({ id });
  });
  // The roster lookup Teams answers with the member's UPN; the emulator makes a readable one.
  app.get("/emulator/connector/v3/conversations/:cid/members/:userId", (c) => {
    const user = store.user(c.req.param("cid"), c.req.param("userId"));
    if (!user) return c.json({ error: { code: "MemberNotFound", message: "Unknown member" } }, 404);
    const upn = `${
      user.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, ".")
        .replace(/^\.|\.$/g, "") || "user"
    }@cloudops.demo`;
    return c.json({ id: user.id, name: user.name, userPrincipalName: upn, email: upn });
  });

  // --- the page side ---
  const userOf = (raw: unknown): EmulatorUser => {
    const u = raw as { id?: unknown; name?: unknown } | undefined;
    if (typeof u?.id === "string" && typeof u.name === "string" && u.id.length <= 100 && u.name.length <= 100)
      return { id: u.id, name: u.name };
    return DEFAULT_USER;
  };

  app.post("/emulator/conversations/:cid/messages", async (c) => {
    const cid = c.req.param("cid");
    if (!CONVERSATION.test(cid)) return bad("conversationId must match [A-Za-z0-9._:-]{1,100}");
    const body = (await c.req.json().catch(() => null)) as { text?: unknown; user?: unknown } | null;
    if (!body || typeof body.text !== "string" || body.text.length > 2000)
      return bad("Send {text} of at most 2000 characters");
    const user = userOf(body.user);
    store.rememberUser(cid, user);
    const activity = emulatedMessage(cid, serviceUrlOf(c.req.url), user, body.text);
    // Teams does not wait for the bot either: the answer arrives on the events stream.
    void deps.postActivity(activity).then(
      (res) => {
        if (!res.ok) deps.logger.warn("emulated message refused by the bot", { status: res.status });
      },
      (error: unknown) => deps.logger.error("emulated message failed", { error }),
    );
    return c.json({ activityId: activity.id }, 202);
  });

  app.post("/emulator/conversations/:cid/invoke", async (c) => {
    const cid = c.req.param("cid");
    if (!CONVERSATION.test(cid)) return bad("conversationId must match [A-Za-z0-9._:-]{1,100}");
    const body = (await c.req.json().catch(() => null)) as {
      replyToId?: unknown;
      verb?: unknown;
      data?: unknown;
      user?: unknown;
    } | null;
    if (!body || typeof body.replyToId !== "string" || typeof body.verb !== "string")
      return bad("Send {replyToId, verb, data}");
    const user = userOf(body.user);
    store.rememberUser(cid, user);
    const activity = emulatedInvoke(cid, serviceUrlOf(c.req.url), user, {
      replyToId: body.replyToId,
      verb: body.verb,
      data: body.data ?? {},
    });
    const res = await deps.postActivity(activity);
    const text = await res.text();
    return new Response(text || "{}", {
      status: res.status,
      headers: { "content-type": "application/json" },
    });
  });

  app.get("/emulator/conversations/:cid/events", (c) => {
    const cid = c.req.param("cid");
    if (!CONVERSATION.test(cid)) return bad("conversationId must match [A-Za-z0-9._:-]{1,100}");
    const after = Number(c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? 0);
    return streamSSE(c, async (stream) => {
      const queue: EmulatorEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = store.subscribe(cid, Number.isFinite(after) ? after : 0, (event) => {
        queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      try {
        while (!stream.aborted) {
          const event = queue.shift();
          if (!event) {
            let timer: ReturnType<typeof setTimeout> | undefined;
            await new Promise<void>((resolve) => {
              wake = resolve;
              timer = setTimeout(resolve, 15_000);
            });
            clearTimeout(timer);
            wake = null;
            if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
            continue;
          }
          const { seq, ...data } = event;
          await stream.writeSSE({ id: String(seq), event: "activity", data: JSON.stringify(data) });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  return { app, store };
}
