import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { conversationKey, createConversationGate } from "./conversation-gate";

describe("conversation gate", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts a thread reply against its channel conversation", () => {
    expect(conversationKey("19:abc@thread.tacv2;messageid=1700")).toBe("19:abc@thread.tacv2");
    expect(conversationKey("a:personal")).toBe("a:personal");
  });

  it("lets 2 calls in a window of 2, then asks to wait until the first leaves it", async () => {
    const gate = createConversationGate([{ limit: 2, windowMs: 1000 }]);
    const call = async () => "sent";
    expect(await gate.tryRun("c;messageid=1", call)).toEqual({ ran: true, value: "sent" });
    expect(await gate.tryRun("c;messageid=2", call)).toEqual({ ran: true, value: "sent" });
    const third = await gate.tryRun("c", call);
    expect(third.ran).toBe(false);
    expect(third.ran ? 0 : third.waitMs).toBeGreaterThan(1000);
    // Another conversation has its own windows.
    expect((await gate.tryRun("other", call)).ran).toBe(true);
  });

  it("moves a slow call's slot to the time it was answered, so the next one starts a full window later", async () => {
    const gate = createConversationGate([{ limit: 1, windowMs: 1000 }]);
    let answer: () => void = () => undefined;
    const slow = gate.run("c", () => new Promise<void>((resolve) => (answer = resolve)));
    await vi.advanceTimersByTimeAsync(800);
    answer();
    await slow;
    const started: number[] = [];
    const next = gate.run("c", async () => {
      started.push(Date.now());
    });
    const answeredAt = Date.now();
    await vi.advanceTimersByTimeAsync(1100);
    await next;
    expect(started).toHaveLength(1);
    expect((started[0] ?? 0) - answeredAt).toBeGreaterThanOrEqual(1000);
  });
});
