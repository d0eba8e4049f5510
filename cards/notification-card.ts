import { Template } from "adaptivecards-templating";
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

// Teams refuses cards over 28 KB: a digest lists the latest tasks only and long texts are clipped.
const MAX_LISTED = 20;
const MAX_TEXT = 400;
const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

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
  const listed = items.slice(-MAX_LISTED);
  const more = items.length > listed.length ? ` Showing the latest ${listed.length} of ${items.length}.` : "";
  return expand({
    headline: clip(digestHeadline(items, input.now)),
    color: colors.includes("Attention") ? "Attention" : colors.includes("Warning") ? "Warning" : "Good",
    subtitle: `Grouped into one message to keep the channel quiet. Select a task to open it.${more}`,
    facts: [],
    items: listed.map((item) => ({
      statusLabel: statusLabel(item),
      color: colorOf(item),
      title: clip(`${headline(item)} (${item.taskId})`, 200),
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
