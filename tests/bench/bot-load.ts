// The load client of `npm run bench:bot`, in its own process. Per round: N conversations each send a
// command at once (time from POSTing the activity until the card reply reaches the connector), then
// someone presses Cancel on each new card at once (time until /api/messages answers the invoke, and
// until the card's final update, showing Cancelled, reaches the connector). Half the rounds press
// while the connector answers 429 to every call. Prints one JSON line per sample, then the number of
// activities sent ({"kind":"activities"}).
import { cardActionInvoke, channelMessage, type TeamsUser } from "../support/teams-activities";

const [botUrl = "", connectorUrl = "", controlUrl = ""] = process.argv.slice(2);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
// The demo cluster's workloads: a restart of anything else fails at once.
const WORKLOADS = ["prod/api", "prod/web", "prod/worker", "prod/postgres", "prod/log-agent", "shop/web"];
WORKLOADS.push("shop/api", "shop/cart", "staging/api", "staging/web", "dev/api");

const users: TeamsUser[] = Array.from({ length: CONVERSATIONS }, (_, i) => ({
  id: `29:bench-user-${i}`,
  name: `Bench User ${i}`,
  aadObjectId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
}));

async function post(activity: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const control = (path: string) =>
  fetch(`${controlUrl}${path}`, { method: "POST" }).then((r) => r.body?.cancel());

/** A command; resolves with the time until its reply reached the connector, and the card it posted. */
async function command(i: number, round: number) {
  const activity = channelMessage({
    serviceUrl: connectorUrl,
    conversationId: `19:bench-${i}@thread.tacv2`,
    text: `restart ${WORKLOADS[(i + round + WORKLOADS.length) % WORKLOADS.length]}`,
    user: users[i],
  });
  const replied = fetch(`${controlUrl}/wait?replyTo=${encodeURIComponent(activity.id)}`).then(
    (r) =>
      r.json() as Promise<{
        at: number;
        activityId: string;
        body: { attachments: Array<{ content: { refresh?: { action: { data: { taskId: string } } } } }> };
      }>,
  );
  const started = Date.now();
  const answer = await post(activity);
  if (answer.status !== 200) throw new Error(`/api/messages answered ${answer.status}`);
  const reply = await replied;
  const card = reply.body.attachments[0]?.content;
  const taskId = card?.refresh?.action.data.taskId;
  if (!taskId) throw new Error(`the command got no task card: ${JSON.stringify(card).slice(0, 400)}`);
  return { ms: reply.at - started, cardId: reply.activityId, taskId };
}

/** The time from `started` until the card's update showing Cancelled reached the connector, or null. */
async function finalUpdate(cardId: string, started: number): Promise<number | null> {
  const res = await fetch(
    `${controlUrl}/wait?updateOf=${encodeURIComponent(cardId)}&contains=Cancelled&timeoutMs=60000`,
  );
  if (!res.ok) return null;
  const { at } = (await res.json()) as { at: number };
  return at - started;
}

/** A Cancel press on a card: the time until the invoke was answered, and until its final update. */
async function press(i: number, cardId: string, taskId: string) {
  const invoke = cardActionInvoke({
    serviceUrl: connectorUrl,
    conversationId: `19:bench-${i}@thread.tacv2`,
    replyToId: cardId,
    verb: "cancel",
    data: { taskId },
    user: users[i],
  });
  const wall = Date.now();
  const started = performance.now();
  const final = finalUpdate(cardId, wall);
  const answer = await post(invoke);
  if (answer.status !== 200) throw new Error(`invoke answered ${answer.status}`);
  return { ms: performance.now() - started, final };
}

const emit = (kind: string, ms: number) => console.log(JSON.stringify({ kind, ms }));
let activities = 0;

/** One round: every conversation sends a command, then presses Cancel on its card. */
async function round(n: number, measured: boolean) {
  const throttled = n % 2 === 1;
  const cards = await Promise.all(users.map((_, i) => command(i, n)));
  activities += cards.length * 2;
  if (measured) for (const card of cards) emit("message", card.ms);
  if (throttled) await control("/throttle?ms=60000&retryAfter=3");
  const presses = await Promise.all(cards.map((card, i) => press(i, card.cardId, card.taskId)));
  if (throttled) await control("/unthrottle");
  const finals = await Promise.all(presses.map((p) => p.final));
  if (!measured) return;
  for (const p of presses) emit(throttled ? "invoke-throttled" : "invoke", p.ms);
  for (const ms of finals) {
    if (ms === null) console.log(JSON.stringify({ kind: "missing" }));
    else emit(throttled ? "final-throttled" : "final", ms);
  }
}

// Warm-up: module loading, SQLite page cache, roster lookups.
await round(-2, false);
for (let n = 0; n < ROUNDS; n++) await round(n, true);
console.log(JSON.stringify({ kind: "activities", activities }));
