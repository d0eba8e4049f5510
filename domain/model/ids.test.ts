import { describe, expect, it } from "vitest";
import { idPattern, newId } from "./ids";

describe("ids", () => {
  it("are unique across many refills of the random pool and match their kind's pattern", () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => newId("task", 1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(idPattern("task"));
    // The random part uses the whole alphabet, not a stuck slice of the pool.
    const randomChars = new Set(ids.flatMap((id) => [...id.slice(-16)]));
    expect(randomChars.size).toBe(32);
  });

  // Times grow from test to test: same-ms order holds for a time not earlier than the last id's.
  it("made in the same millisecond, sort in the order they were made", () => {
    const ids = Array.from({ length: 1_000 }, () => newId("audit", 1_800_000_000_500));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("at an earlier time get their own random digits, and same-ms order carries on after", () => {
    const a = newId("task", 1_900_000_001_000);
    const old = newId("task", 1_600_000_000_000);
    const b = newId("task", 1_900_000_001_000);
    expect(old < a).toBe(true);
    expect(a < b).toBe(true);
    expect(b).toMatch(idPattern("task"));
  });

  it("sort by creation time", () => {
    const earlier = newId("deadLetter", 1_700_000_000_000);
    const later = newId("deadLetter", 1_700_000_000_001);
    expect(earlier < later).toBe(true);
    expect(earlier).toMatch(/^dlq_/);
  });
});
