import { describe, expect, it } from "vitest";
import { merged } from "./merged";

describe("merged", () => {
  it("is the spread { ...base, ...extra }: later keys win, neither argument changes", () => {
    const base = { a: 1, b: 2 };
    const extra = { b: 3, c: 4 };
    expect(merged(base, extra)).toEqual({ ...base, ...extra });
    expect(Object.keys(merged(base, extra))).toEqual(["a", "b", "c"]);
    expect(base).toEqual({ a: 1, b: 2 });
    expect(extra).toEqual({ b: 3, c: 4 });
  });

  it("copies undefined values as the spread does", () => {
    expect(merged({ a: 1 }, { a: undefined })).toEqual({ a: undefined });
    expect("a" in merged({ a: 1 }, { a: undefined })).toBe(true);
  });
});
