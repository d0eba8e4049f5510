import { describe, expect, it } from "vitest";
import { idPattern, newId } from "./ids";

describe("ids", () => {
  it("are unique across many refills of the random pool and match their kind's pattern", () => {
    const ids = Array.from({ length: 2_000 }, () => newId("task", 1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(idPattern("task"));
    // The random part uses the whole alphabet, not a stuck slice of the pool.
    const randomChars = new Set(ids.flatMap((id) => [...id.slice(-16)]));
    expect(randomChars.size).toBe(32);
  });

  it("sort by creation time", () => {
    const earlier = newId("deadLetter", 1_700_000_000_000);
    const later = newId("deadLetter", 1_700_000_000_001);
    expect(earlier < later).toBe(true);
    expect(earlier).toMatch(/^dlq_/);
  });
});
