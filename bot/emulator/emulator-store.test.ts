import { describe, expect, it } from "vitest";
import { createEmulatorStore } from "./emulator-store";

const message = (text: string) => ({ replyToId: undefined, kind: "created" as const, text, attachments: [] });

describe("emulator store", () => {
  it("replays what a page missed after its last event id, then streams new ones", () => {
    const store = createEmulatorStore();
    store.record("c", message("one"));
    store.record("c", message("two"));
    const seen: string[] = [];
    const stop = store.subscribe("c", 1, (e) => seen.push(`${e.seq}:${e.text}`));
    store.record("c", message("three"));
    stop();
    store.record("c", message("four"));
    expect(seen).toEqual(["2:two", "3:three"]);
  });

  it("keeps a bounded number of events per conversation and of idle conversations", () => {
    const store = createEmulatorStore({ conversations: 3, eventsPerConversation: 2 });
    for (let i = 0; i < 5; i++) store.record("c", message(String(i)));
    const kept: string[] = [];
    store.subscribe("c", 0, (e) => kept.push(e.text ?? ""))();
    expect(kept).toEqual(["3", "4"]);
    for (let i = 0; i < 10; i++) store.record(`other-${i}`, message("x"));
    expect(store.size()).toBeLessThanOrEqual(3);
  });
});
