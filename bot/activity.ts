// Bot Framework activities as plain JSON: the only shape the bot's logic sees. The seam
// (seam/botframework.ts) translates to and from the SDK, so a move to the Microsoft 365 Agents SDK
// touches that one file.

export interface ChannelAccount {
  id: string;
  name?: string;
  aadObjectId?: string;
  role?: string;
}

export interface MentionEntity {
  type: "mention";
  mentioned: ChannelAccount;
  text: string;
}

export interface Attachment {
  contentType: string;
  content: unknown;
}

export interface IncomingActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  channelId: string;
  serviceUrl: string;
  timestamp?: string;
  replyToId?: string;
  from: ChannelAccount;
  recipient: ChannelAccount;
  conversation: {
    id: string;
    conversationType?: string;
    tenantId?: string;
    isGroup?: boolean;
    name?: string;
  };
  entities?: Array<{ type: string; [key: string]: unknown }>;
  channelData?: Record<string, unknown>;
  value?: unknown;
  locale?: string;
}

export interface OutgoingActivity {
  type: "message";
  id?: string;
  text?: string;
  attachments?: Attachment[];
}

/** Where a message lives, stored with a task so its card can be updated from any process later. */
export interface ConversationRef {
  activityId?: string;
  user?: ChannelAccount;
  bot: ChannelAccount;
  conversation: { id: string; conversationType?: string; tenantId?: string; isGroup?: boolean };
  channelId: string;
  serviceUrl: string;
  locale?: string;
  /** Teams ids of people who acted on the card after `user` (its requester); they get auto-refresh too. */
  refreshUserIds?: string[];
}

/** The Teams ids whose clients auto-refresh a task card: the requester, then whoever acted on it. */
export function refreshUsersOf(ref: ConversationRef): string[] {
  const others = Array.isArray(ref.refreshUserIds)
    ? ref.refreshUserIds.filter((id): id is string => typeof id === "string")
    : [];
  return [...new Set([ref.user?.id ?? "", ...others].filter((id) => id.length > 0))];
}

/** The reference with `userId` among the card's auto-refresh users (the newest 59 besides the requester). */
export function withRefreshUser(ref: ConversationRef, userId: string): ConversationRef {
  const others = refreshUsersOf(ref).filter((id) => id !== ref.user?.id && id !== userId);
  return { ...ref, refreshUserIds: [...others, userId].slice(-59) };
}

/** The reference of the conversation an activity came from (what TurnContext.getConversationReference gives). */
export function conversationRefOf(activity: IncomingActivity): ConversationRef {
  const { id, conversationType, tenantId, isGroup } = activity.conversation;
  const ref: ConversationRef = {
    bot: activity.recipient,
    conversation: { id, conversationType, tenantId, isGroup },
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    user: activity.from,
  };
  if (activity.id) ref.activityId = activity.id;
  if (activity.locale) ref.locale = activity.locale;
  return ref;
}

/** Checks the fields a stored reference needs before it is used to reach Teams. */
export function isConversationRef(value: unknown): value is ConversationRef {
  if (!value || typeof value !== "object") return false;
  const v = value as Partial<ConversationRef>;
  return (
    typeof v.serviceUrl === "string" &&
    typeof v.channelId === "string" &&
    typeof v.conversation?.id === "string" &&
    typeof v.bot?.id === "string"
  );
}

/**
 * The command a person typed: every `<at>…</at>` mention removed, whitespace collapsed at the ends.
 * Arguments keep their case (`prod/API` stays `prod/API`).
 */
export function commandText(activity: Pick<IncomingActivity, "text">): string {
  return (activity.text ?? "")
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/&nbsp;/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .trim();
}

/** A card as a message attachment. */
export function cardMessage(card: unknown, id?: string): OutgoingActivity {
  const message: OutgoingActivity = {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: card }],
  };
  if (id) message.id = id;
  return message;
}
