import { Template } from "adaptivecards-templating";
import { fitCard, WEBHOOK_CARD_MAX_BYTES } from "./budget";
import {
  digestHeadline,
  formatDuration,
  formatTime,
  headline,
  isSandboxExpiry,
  type NotificationItem,
  statusLabel,
  taskLabel,
  taskUrl,
} from "./notification-text";
import notificationTemplate from "./templates/notification.json";
import { printable } from "./text";

export type AdaptiveCardJson = Record<string, unknown>;
type CardColor = "Good" | "Attention" | "Warning" | "Accent" | "Default";

interface CardView {
  headline: string;
  color: CardColor;
  subtitle: string;
  facts: Array<{ title: string; value: string }>;
  items: Array<{ statusLabel: string; color: CardColor; title: string; duration: string; url: string }>;
  actionTitle: string;
  actionUrl: string;
}

// Teams refuses webhook cards over 28 KB: a digest lists the latest tasks only, long texts are
// clipped, and the byte budget (UTF-8, as Teams counts) cuts further when CJK text or escaped
// control characters make each character cost more than one byte.
const LEANER = [
  { listed: 20, text: 400 },
  { listed: 10, text: 200 },
  { listed: 5, text: 100 },
  { listed: 3, text: 60 },
] as const;
type Limits = (typeof LEANER)[number];
const clipTo = (max: number) => (text: string) => {
  const points = Array.from(printable(text));
  return points.length > max ? `${points.slice(0, max - 1).join("")}…` : points.join("");
};

const template = new Template(notificationTemplate);
const expand = (view: CardView): AdaptiveCardJson => template.expand({ $root: view }) as AdaptiveCardJson;

function colorOf(item: NotificationItem): CardColor {
  if (item.status === "failed") return "Attention";
  if (item.status === "cancelled" || item.status === "awaiting_approval" || isSandboxExpiry(item))
    return "Warning";
  return "Good";
}

/**
 * The notification card (Adaptive Card 1.5) for finished tasks of one entity: one task gets its
 * facts and a deep link to its page; several (folded inside the quiet window) become a digest that
 * lists each with its own link. Pure: `now` only words the digest period.
 */
export function notificationCard(input: {
  items: NotificationItem[];
  publicUrl: string;
  now: Date;
}): AdaptiveCardJson {
  return fitCard(
    LEANER.map((limits) => () => build(input, limits)),
    WEBHOOK_CARD_MAX_BYTES,
  );
}

function build(
  input: { items: NotificationItem[]; publicUrl: string; now: Date },
  limits: Limits,
): AdaptiveCardJson {
  const clip = clipTo(limits.text);
  const { items, publicUrl } = input;
  const [first] = items;
  if (!first) throw new Error("a notification card needs at least one item");
  if (items.length === 1) {
    const facts = [
      { title: "Task", value: first.taskId },
      { title: "Type", value: first.taskType },
      { title: "Status", value: statusLabel(first) },
      { title: "Duration", value: formatDuration(first) },
      {
        title: first.status === "awaiting_approval" ? "Requested" : "Finished",
        value: formatTime(first.finishedAt),
      },
    ];
    if (first.detail) facts.push({ title: "Plan", value: clip(first.detail) });
    if (first.error) facts.push({ title: "Error", value: clip(first.error) });
    return expand({
      headline: clip(headline(first)),
      color: colorOf(first),
      subtitle: clip(
        `${taskLabel(first.taskType)} · ${first.entityLabel} · requested by ${first.requestedBy}`,
      ),
      facts,
      items: [],
      actionTitle: "Open task",
      actionUrl: taskUrl(publicUrl, first.taskId),
    });
  }
  const colors = items.map(colorOf);
  const listed = items.slice(-limits.listed);
  const more =
    items.length > listed.length
      ? ` Showing the latest ${listed.length} of ${items.length}. More on the dashboard.`
      : "";
  return expand({
    headline: clip(digestHeadline(items, input.now)),
    color: colors.includes("Attention") ? "Attention" : colors.includes("Warning") ? "Warning" : "Good",
    subtitle: `Grouped into one message to keep the channel quiet. Select a task to open it.${more}`,
    facts: [],
    items: listed.map((item) => ({
      statusLabel: statusLabel(item),
      color: colorOf(item),
      title: clipTo(Math.min(200, limits.text))(`${headline(item)} (${item.taskId})`),
      duration: formatDuration(item),
      url: taskUrl(publicUrl, item.taskId),
    })),
    actionTitle: "Open tasks",
    actionUrl: `${publicUrl.replace(/\/$/, "")}/tasks`,
  });
}

/** The card `POST /api/notifications/test` sends to check a route. */
export function testNotificationCard(input: {
  projectName: string;
  requestedBy: string;
  publicUrl: string;
  now: Date;
}): AdaptiveCardJson {
  return expand({
    headline: `Test notification for ${input.projectName}`,
    color: "Accent",
    subtitle: `Requested by ${input.requestedBy} at ${formatTime(input.now.toISOString())}. This route works.`,
    facts: [],
    items: [],
    actionTitle: "Open dashboard",
    actionUrl: `${input.publicUrl.replace(/\/$/, "")}/`,
  });
}
