import { describe, expect, it } from "vitest";
import { forwardAbort } from "./forward-abort";

describe("forwardAbort", () => {
  it("aborts the target with the source's reason", () => {
    const from = new AbortController();
    const to = new AbortController();
    forwardAbort(from.signal, to);
    expect(to.signal.aborted).toBe(false);
    from.abort("cancel_requested");
    expect(to.signal.aborted).toBe(true);
    expect(to.signal.reason).toBe("cancel_requested");
  });

  it("aborts at once when the source already was", () => {
    const from = new AbortController();
    from.abort("shutdown");
    const to = new AbortController();
    forwardAbort(from.signal, to);
    expect(to.signal.reason).toBe("shutdown");
  });

  it("keeps the target's own earlier reason, as AbortSignal.any keeps the first", () => {
    const from = new AbortController();
    const to = new AbortController();
    forwardAbort(from.signal, to);
    to.abort("lease_lost");
    from.abort("cancel_requested");
    expect(to.signal.reason).toBe("lease_lost");
  });

  it("forwards nothing once stopped", () => {
    const from = new AbortController();
    const to = new AbortController();
    const stop = forwardAbort(from.signal, to);
    stop();
    from.abort("late");
    expect(to.signal.aborted).toBe(false);
  });
});
