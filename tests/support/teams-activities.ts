import { randomUUID } from "node:crypto";

/** The user a test speaks as; `aadObjectId` is what Teams puts in `from`. */
export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId: string;
}

export const BOT = { id: "28:cloudops-bot", name: "CloudOps" };
export const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

export const ADELE: TeamsUser = {
  id: "29:1adele-teams-user-id",
  name: "Adele Vance",
  aadObjectId: "6b5b1b9c-0000-4000-8000-00000000ade1",
};

function channelConversation(conversationId: string) {
  return {
    isGroup: true,
    conversationType: "channel",
    tenantId: TENANT_ID,
    id: `${conversationId};messageid=1700000000000`,
  };
}

/** A channel message as Teams sends it: `<at>` mention of the bot, mention entity, tenant channel data. */
export function channelMessage(options: {
  serviceUrl: string;
  conversationId: string;
  text: string;
  user?: TeamsUser;
  id?: string;
}) {
  const user = options.user ?? ADELE;
  const mention = `<at>${BOT.name}</at>`;
  return {
    type: "message",
    id: options.id ?? `1700000${Math.floor(Math.random() * 1e9)}`,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    serviceUrl: options.serviceUrl,
    channelId: "msteams",
    from: { ...user },
    recipient: { ...BOT },
    conversation: channelConversation(options.conversationId),
    text: `${mention} ${options.text}`,
    textFormat: "plain",
    locale: "en-US",
    entities: [
      { type: "mention", mentioned: { ...BOT }, text: mention },
      { type: "clientInfo", locale: "en-US", country: "US", platform: "Web", timezone: "Europe/Berlin" },
    ],
    channelData: {
      teamsChannelId: "19:general-channel@thread.tacv2",
      teamsTeamId: "19:platform-team@thread.tacv2",
      channel: { id: "19:general-channel@thread.tacv2" },
      team: { id: "19:platform-team@thread.tacv2" },
      tenant: { id: TENANT_ID },
    },
  };
}

/** What Teams sends when someone presses an Action.Execute button on the bot's card. */
export function cardActionInvoke(options: {
  serviceUrl: string;
  conversationId: string;
  replyToId: string;
  verb: string;
  data: Record<string, unknown>;
  user?: TeamsUser;
  id?: string;
}) {
  const user = options.user ?? ADELE;
  return {
    type: "invoke",
    name: "adaptiveCard/action",
    id: options.id ?? `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    serviceUrl: options.serviceUrl,
    channelId: "msteams",
    from: { ...user },
    recipient: { ...BOT },
    conversation: channelConversation(options.conversationId),
    replyToId: options.replyToId,
    locale: "en-US",
    value: { action: { type: "Action.Execute", verb: options.verb, data: options.data }, trigger: "manual" },
    channelData: {
      channel: { id: "19:general-channel@thread.tacv2" },
      team: { id: "19:platform-team@thread.tacv2" },
      tenant: { id: TENANT_ID },
      source: { name: "message" },
    },
  };
}

/** A personal (1:1) conversation of a user with the bot. */
export function personalConversation(user: TeamsUser = ADELE) {
  return { conversationType: "personal", tenantId: TENANT_ID, id: `a:1personal-${user.id.slice(3)}` };
}

/** What Teams sends when the bot is added: to a team (channel) or a personal chat. */
export function botAddedActivity(options: {
  serviceUrl: string;
  conversationId: string;
  scope: "team" | "personal";
  /** Who joined; the bot by default. */
  membersAdded?: Array<{ id: string }>;
  user?: TeamsUser;
}) {
  const user = options.user ?? ADELE;
  const team = options.scope === "team";
  return {
    type: "conversationUpdate",
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    serviceUrl: options.serviceUrl,
    channelId: "msteams",
    from: { ...user },
    recipient: { ...BOT },
    conversation: team
      ? { isGroup: true, conversationType: "channel", tenantId: TENANT_ID, id: options.conversationId }
      : { ...personalConversation(user), id: options.conversationId },
    membersAdded: options.membersAdded ?? [{ id: BOT.id }],
    channelData: team
      ? {
          eventType: "teamMemberAdded",
          team: { id: options.conversationId, name: "Platform" },
          tenant: { id: TENANT_ID },
        }
      : { tenant: { id: TENANT_ID } },
  };
}

/** The installationUpdate Teams sends alongside conversationUpdate when the app is installed. */
export function installationUpdate(options: {
  serviceUrl: string;
  conversationId: string;
  action: "add" | "remove";
}) {
  return {
    type: "installationUpdate",
    id: `f:${randomUUID()}`,
    action: options.action,
    timestamp: new Date().toISOString(),
    serviceUrl: options.serviceUrl,
    channelId: "msteams",
    from: { ...ADELE },
    recipient: { ...BOT },
    conversation: {
      isGroup: true,
      conversationType: "channel",
      tenantId: TENANT_ID,
      id: options.conversationId,
    },
    channelData: { tenant: { id: TENANT_ID }, source: { name: "message" } },
  };
}

/** A legacy client's Action.Submit press: a message with the button's data as `value` and no text. */
export function submitMessage(options: {
  serviceUrl: string;
  conversationId: string;
  replyToId: string;
  value: Record<string, unknown>;
  user?: TeamsUser;
  id?: string;
}) {
  const message = channelMessage({ ...options, text: "" });
  const { text: _text, entities: _entities, ...rest } = message;
  return { ...rest, replyToId: options.replyToId, value: options.value };
}
