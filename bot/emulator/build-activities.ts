import { randomUUID } from "node:crypto";
import type { IncomingActivity } from "../activity";

// Activities shaped like the ones Teams sends in a channel, so the bot runs the same code path.

export const EMULATOR_BOT = { id: "28:cloudops-emulator-bot", name: "CloudOps" };
export const EMULATOR_TENANT = "00000000-0000-4000-8000-0000000e0001";

export interface EmulatorUser {
  id: string;
  name: string;
}

function base(conversationId: string, serviceUrl: string, user: EmulatorUser) {
  return {
    id: `emu-in-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: user.id, name: user.name, aadObjectId: aadObjectIdOf(user.id) },
    recipient: { ...EMULATOR_BOT },
    conversation: {
      id: conversationId,
      conversationType: "channel",
      tenantId: EMULATOR_TENANT,
      isGroup: true,
    },
    locale: "en-US",
    channelData: { tenant: { id: EMULATOR_TENANT }, channel: { id: `19:${conversationId}@thread.tacv2` } },
  };
}

/** A channel message that mentions the bot, as Teams delivers it. */
export function emulatedMessage(
  conversationId: string,
  serviceUrl: string,
  user: EmulatorUser,
  text: string,
): IncomingActivity {
  const mention = `<at>${EMULATOR_BOT.name}</at>`;
  return {
    ...base(conversationId, serviceUrl, user),
    type: "message",
    text: `${mention} ${text}`,
    entities: [{ type: "mention", mentioned: { ...EMULATOR_BOT }, text: mention }],
  };
}

/** The invoke Teams sends for an Action.Execute button. */
export function emulatedInvoke(
  conversationId: string,
  serviceUrl: string,
  user: EmulatorUser,
  action: { replyToId: string; verb: string; data: unknown },
): IncomingActivity {
  return {
    ...base(conversationId, serviceUrl, user),
    type: "invoke",
    name: "adaptiveCard/action",
    replyToId: action.replyToId,
    value: { action: { type: "Action.Execute", verb: action.verb, data: action.data }, trigger: "manual" },
  };
}

/** A stable, GUID-shaped object id per emulated user, like Entra gives. */
function aadObjectIdOf(userId: string): string {
  let h = 0;
  for (const ch of userId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}0000`;
}
