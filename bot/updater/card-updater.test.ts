import { afterEach, describe, expect, it } from "vitest";
import type { BotCard } from "../../contracts/bot-cards";
import { silentLogger } from "../../platform/logger";
import { waitUntil } from "../../tests/support/queue-recorder";
import type { ConversationRef } from "../activity";
import type { ApiClient } from "../api-client";
import type { ConversationGate } from "../conversation-gate";
import type { TaskCards } from "../task-cards";
import { type CardUpdater, createCardUpdater, trackedOf } from "./card-updater";

const REF: ConversationRef = {
  serviceUrl: "https://smba.example.test/",
  channelId: "msteams",
  conversation: { id: "19:ops@thread.tacv2" },
  bot: { id: "28:cloudops" },
};

/**
 * The updater against an API double: an event stream the test writes task events into, tasks whose
 * status the test sets, and cards for the task ids given. `hold` makes the update of a task's card
 * wait until released.
 */
function harness(cardTasks: string[]) {
  const encoder = new TextEncoder();
  let stream: ReadableStreamDefaultController<Uint8Array> | null = null;
  let eventId = 0;
  const statuses = new Map<string, string>();
  const cardReads: string[] = [];
  const updates: Array<{ activityId: string; status: string }> = [];
  const held = new Map<string, Promise<void>>();
  const card = (taskId: string): BotCard => ({
    id: `card-${taskId}`,
    conversationId: REF.conversation.id,
    sourceKey: null,
    activityId: `activity-${taskId}`,
    taskId,
    conversationRef: { ...REF },
    deliveredStatus: "queued",
    settled: false,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
  });
  const api = {
    openEventStream: async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            stream = controller;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      ),
    listCards: async (_ctx: unknown, query: { taskId?: string; unsettled?: string }) => {
      if (query.unsettled) return { items: [] };
      cardReads.push(query.taskId ?? "");
      return { items: cardTasks.includes(query.taskId ?? "") ? [card(query.taskId ?? "")] : [] };
    },
    getOrigin: async () => null,
    getTask: async (_ctx: unknown, id: string) => ({
      id,
      status: statuses.get(id) ?? "queued",
      updatedAt: `${statuses.get(id)}-${updates.length}`,
      traceparent: null,
    }),
    updateCard: async () => ({}),
  } as unknown as ApiClient;
  const updater = createCardUpdater({
    api,
    cards: { build: async (task: { status: string }) => ({ status: task.status }) } as unknown as TaskCards,
    gate: {
      tryRun: async (_id: string, call: () => Promise<unknown>) => ({ ran: true, value: await call() }),
    } as unknown as ConversationGate,
    updateMessage: async (_ref, message) => {
      const taskId = message.id.replace("activity-", "");
      await held.get(taskId);
      updates.push({ activityId: message.id, status: statuses.get(taskId) ?? "queued" });
    },
    logger: silentLogger,
    minIntervalMs: 0,
    cardsTtlMs: 20,
    maxKnownTasks: 5,
  });
  return {
    updater,
    card,
    cardReads,
    updates,
    connected: () => stream !== null,
    /** Sets the task's status and sends its event (seq 2 unless given) down the stream. */
    event(taskId: string, status: string, seq = 2) {
      statuses.set(taskId, status);
      eventId++;
      const data = JSON.stringify({ id: eventId, taskId, seq, data: { kind: "status", status } });
      stream?.enqueue(encoder.encode(`event: status\ndata: ${data}\nid: ${eventId}\n\n`));
    },
    hold(taskId: string): () => void {
      let release: () => void = () => {};
      held.set(
        taskId,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return release;
    },
  };
}

describe("card updater memory", () => {
  let updater: CardUpdater | null = null;
  afterEach(async () => {
    await updater?.stop();
    updater = null;
  });

  it("forgets quiet tasks past its bound, keeps a card with an update in flight, and reads again on a new event", async () => {
    const h = harness(["tsk_card"]);
    updater = h.updater;
    updater.start();
    await waitUntil(() => h.connected(), "event stream open");

    // The card's update hangs at the connector: its task must stay known however many others pass.
    const release = h.hold("tsk_card");
    h.event("tsk_card", "running");
    await waitUntil(() => h.cardReads.includes("tsk_card"), "card read");

    for (let i = 0; i < 200; i++) {
      h.event(`tsk_other${i}`, "succeeded");
      // Lets the reads settle and the cards list go stale, so the sweep has something to forget.
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await waitUntil(() => h.cardReads.filter((id) => id.startsWith("tsk_other")).length === 200, "reads");
    await new Promise((resolve) => setTimeout(resolve, 25));
    h.event("tsk_last", "succeeded");
    await waitUntil(() => h.cardReads.includes("tsk_last"), "last read");
    // Without the sweep it would know 202 tasks.
    expect(updater.knownTasks()).toBeLessThan(40);
    expect(updater.settled("tsk_card")).toBe(false);

    h.event("tsk_card", "succeeded");
    release();
    await waitUntil(
      () => h.updates.some((u) => u.activityId === "activity-tsk_card" && u.status === "succeeded"),
      "final card update",
    );

    // Once quiet and forgotten, the task's next event reads its cards again and updates the card.
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      h.event(`tsk_more${i}`, "succeeded");
    }
    await waitUntil(() => h.cardReads.includes("tsk_more9"), "more reads");
    expect(updater.knownTasks()).toBeLessThan(12);
    h.event("tsk_card", "failed");
    await waitUntil(
      () => h.updates.some((u) => u.activityId === "activity-tsk_card" && u.status === "failed"),
      "card updated after being forgotten",
    );
  });

  it("reads no cards for a task's creation event, and updates the card its poster tracks", async () => {
    const h = harness(["tsk_new"]);
    updater = h.updater;
    updater.start();
    await waitUntil(() => h.connected(), "event stream open");

    h.event("tsk_new", "queued", 1);
    // Events are handled in order: once the later task's read happened, the creation was handled.
    h.event("tsk_older", "running");
    await waitUntil(() => h.cardReads.includes("tsk_older"), "read of the other task");
    expect(h.cardReads).not.toContain("tsk_new");

    // The bot posts the task's card and tracks it; its updates need no read either.
    const tracked = trackedOf(h.card("tsk_new"));
    if (!tracked) throw new Error("the card double is not a task card");
    updater.track(tracked);
    h.event("tsk_new", "running");
    await waitUntil(
      () => h.updates.some((u) => u.activityId === "activity-tsk_new" && u.status === "running"),
      "the tracked card updated",
    );

    // Once the creation's read-free window (cardsTtlMs) is over, an event reads the cards again.
    await new Promise((resolve) => setTimeout(resolve, 25));
    h.event("tsk_new", "succeeded");
    await waitUntil(() => h.cardReads.includes("tsk_new"), "read after the window");
  });
});
