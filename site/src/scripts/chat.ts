import {
  type Action,
  AdaptiveCard,
  ExecuteAction,
  HostConfig,
  OpenUrlAction,
  SubmitAction,
} from "adaptivecards";

// The /chat page: a Teams-like conversation with the bot through the emulator (bot/emulator):
// messages go to POST …/messages, bot activities arrive over SSE and are created or updated in place,
// Action.Execute buttons go back as invokes whose answer (a card) replaces the card in place.

const CARD = "application/vnd.microsoft.card.adaptive";
const log = document.getElementById("chat-log");
const form = document.getElementById("chat-form") as HTMLFormElement | null;
const input = document.getElementById("chat-input") as HTMLInputElement | null;
const statusEl = document.getElementById("chat-status");

interface Activity {
  id: string;
  replyToId?: string | null;
  kind: "created" | "updated";
  text?: string;
  attachments?: Array<{ contentType: string; content: unknown }>;
}

const conversationId = (() => {
  const existing = sessionStorage.getItem("cloudops-chat");
  if (existing) return existing;
  const id = `chat-${crypto.randomUUID().slice(0, 12)}`;
  sessionStorage.setItem("cloudops-chat", id);
  return id;
})();
const base = `/emulator/conversations/${encodeURIComponent(conversationId)}`;

function css(variable: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(variable).trim() || fallback;
}

// Follow the page theme (dark or light) so card text keeps its contrast in every container style.
const foregroundColors = {
  default: { default: css("--text", "#eef2fb"), subtle: css("--muted", "#b7c0d6") },
  dark: { default: css("--text", "#eef2fb"), subtle: css("--muted", "#b7c0d6") },
  light: { default: css("--text", "#eef2fb"), subtle: css("--muted", "#b7c0d6") },
  good: { default: css("--ok", "#5fe3a1"), subtle: css("--ok", "#5fe3a1") },
  attention: { default: css("--danger", "#ff9494"), subtle: css("--danger", "#ff8a8a") },
  warning: { default: css("--warn", "#ffd166"), subtle: css("--warn", "#ffd166") },
  accent: { default: css("--accent", "#7cb7ff"), subtle: css("--accent", "#7cb7ff") },
};
// Adaptive Cards colours are #AARRGGBB.
const containerStyle = (backgroundColor: string) => ({ backgroundColor, foregroundColors });

const hostConfig = new HostConfig({
  fontFamily: "inherit",
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 28, padding: 12 },
  containerStyles: {
    default: containerStyle("#00000000"),
    emphasis: containerStyle("#1f808080"),
    accent: containerStyle("#264f8cff"),
    good: containerStyle("#262fbf71"),
    attention: containerStyle("#26e5484d"),
    warning: containerStyle("#26d39b00"),
  },
  actions: { actionsOrientation: "horizontal", buttonSpacing: 8, showCard: { actionMode: "inline" } },
});

AdaptiveCard.onProcessMarkdown = (text, result) => {
  // Bold and line breaks only, from escaped text: card text never becomes markup.
  const safe = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  result.outputHtml = safe.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/\n/g, "<br>");
  result.didProcess = true;
};

function setStatus(text: string): void {
  if (statusEl) statusEl.textContent = text;
}

function scrollToEnd(): void {
  if (log) log.scrollTop = log.scrollHeight;
}

function addUserMessage(text: string): void {
  const el = document.createElement("div");
  el.className = "msg msg-user";
  el.textContent = text;
  log?.append(el);
  scrollToEnd();
}

function renderCard(activityId: string, content: unknown): HTMLElement {
  const host = document.createElement("div");
  host.className = "card-host";
  const card = new AdaptiveCard();
  card.hostConfig = hostConfig;
  card.onExecuteAction = (action: Action) => void execute(activityId, action);
  try {
    card.parse(content as object);
    const rendered = card.render();
    if (rendered) {
      nameFromVisibleText(rendered);
      host.append(rendered);
    }
  } catch {
    host.textContent = "This card could not be shown.";
  }
  return host;
}

// The renderer labels a clickable row with its action's title ("Open"), hiding the row's own text from
// assistive tech (WCAG 2.5.3): where an element shows text, let that text be its name.
function nameFromVisibleText(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>("[aria-label]")) {
    const label = (el.getAttribute("aria-label") ?? "").toLowerCase();
    const visible = (el.textContent ?? "").replace(/\s+/g, " ").trim();
    if (visible && !label.includes(visible.toLowerCase())) el.removeAttribute("aria-label");
  }
}

function bubbleFor(activity: Pick<Activity, "id" | "text" | "attachments">): HTMLElement {
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (activity.text) {
    const p = document.createElement("p");
    p.textContent = activity.text.replace(/<\/?at>/g, "");
    bubble.append(p);
  }
  for (const attachment of activity.attachments ?? []) {
    if (attachment.contentType === CARD) bubble.append(renderCard(activity.id, attachment.content));
  }
  return bubble;
}

function upsertActivity(activity: Activity): void {
  if (!log) return;
  const domId = `act-${activity.id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const existing = document.getElementById(domId);
  const bubble = bubbleFor(activity);
  if (existing) {
    existing.querySelector(".bubble")?.replaceWith(bubble);
    existing.dataset.version = String(Number(existing.dataset.version ?? "0") + 1);
    bubble.classList.add("updated");
    return;
  }
  const wrap = document.createElement("div");
  wrap.className = "msg msg-bot";
  wrap.id = domId;
  wrap.dataset.activityId = activity.id;
  const meta = document.createElement("div");
  meta.className = "msg-meta";
  meta.textContent = `CloudOps · ${new Date().toLocaleTimeString()}`;
  wrap.append(meta, bubble);
  log.append(wrap);
  scrollToEnd();
}

async function execute(activityId: string, action: Action): Promise<void> {
  if (action instanceof OpenUrlAction && action.url) {
    window.open(action.url, "_blank", "noopener");
    return;
  }
  if (!(action instanceof ExecuteAction) && !(action instanceof SubmitAction)) return;
  const verb = action instanceof ExecuteAction ? action.verb : undefined;
  setStatus(`Sending ${verb ?? "action"}…`);
  try {
    const response = await fetch(`${base}/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ replyToId: activityId, verb, data: action.data ?? {} }),
    });
    const body = (await response.json().catch(() => null)) as { type?: string; value?: unknown } | null;
    if (body?.type === CARD && body.value) {
      upsertActivity({
        id: activityId,
        kind: "updated",
        attachments: [{ contentType: CARD, content: body.value }],
      });
    }
    setStatus(response.ok ? "Connected" : `The bot answered ${response.status}`);
  } catch {
    setStatus("The action could not be sent. Check the connection and try again.");
  }
}

function connect(): void {
  const events = new EventSource(`${base}/events`);
  events.addEventListener("open", () => setStatus("Connected"));
  events.addEventListener("activity", (event) => {
    try {
      upsertActivity(JSON.parse((event as MessageEvent<string>).data) as Activity);
    } catch {
      // A malformed activity is skipped; the next update of the same card replaces it anyway.
    }
  });
  events.addEventListener("error", () => setStatus("Reconnecting…"));
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input?.value.trim();
  if (!text || !input) return;
  input.value = "";
  addUserMessage(text);
  try {
    const response = await fetch(`${base}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, user: { id: "dashboard-user", name: "Dashboard user" } }),
    });
    if (!response.ok)
      setStatus(
        `The emulator answered ${response.status}: is the bot running (ROLE=all, no MICROSOFT_APP_ID)?`,
      );
  } catch {
    setStatus("The message could not be sent.");
  }
});

if (log) connect();
