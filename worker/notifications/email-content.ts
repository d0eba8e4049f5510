import {
  digestHeadline,
  formatDuration,
  formatTime,
  headline,
  type NotificationItem,
  statusLabel,
  taskUrl,
} from "../../cards/notification-text";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The email for finished tasks of one entity: the same words as the Teams card, as HTML and text. */
export function notificationEmail(input: {
  items: NotificationItem[];
  publicUrl: string;
  now: Date;
}): EmailContent {
  const { items, publicUrl } = input;
  const subject = `[CloudOps] ${items.length === 1 && items[0] ? headline(items[0]) : digestHeadline(items, input.now)}`;
  const lines = items.map((item) => {
    const error = item.error ? `\n  Error: ${item.error}` : "";
    return `- ${headline(item)} (${item.taskType}, ${formatDuration(item)}, finished ${formatTime(item.finishedAt)}, requested by ${item.requestedBy})${error}\n  ${taskUrl(publicUrl, item.taskId)}`;
  });
  const text = `${subject.replace("[CloudOps] ", "")}\n\n${lines.join("\n")}\n`;
  const rows = items
    .map((item) => {
      const cells = [
        `<a href="${escapeHtml(taskUrl(publicUrl, item.taskId))}">${escapeHtml(headline(item))}</a>`,
        escapeHtml(statusLabel(item)),
        escapeHtml(formatDuration(item)),
        escapeHtml(formatTime(item.finishedAt)),
        escapeHtml(item.error ?? ""),
      ];
      return `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
    })
    .join("");
  const html = `<h2>${escapeHtml(subject.replace("[CloudOps] ", ""))}</h2><table><thead><tr><th>Task</th><th>Status</th><th>Duration</th><th>Finished</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table>`;
  return { subject, text, html };
}

/** The email `POST /api/notifications/test` sends. */
export function testEmail(input: {
  projectName: string;
  requestedBy: string;
  publicUrl: string;
  now: Date;
}): EmailContent {
  const subject = `[CloudOps] Test notification for ${input.projectName}`;
  const line = `Requested by ${input.requestedBy} at ${formatTime(input.now.toISOString())}. This route works.`;
  return {
    subject,
    text: `${line}\n${input.publicUrl}/\n`,
    html: `<p>${escapeHtml(line)}</p><p><a href="${escapeHtml(`${input.publicUrl}/`)}">Open CloudOps</a></p>`,
  };
}
