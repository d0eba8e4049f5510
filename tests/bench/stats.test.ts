import { describe, expect, it } from "vitest";
import { formatSummary, interleaved, percentile, summarise } from "./stats";

describe("benchmark statistics", () => {
  it("takes the median of odd and even counts and the range", () => {
    expect(summarise([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: 3 });
    expect(summarise([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
    expect(formatSummary(summarise([10, 30, 20]))).toBe("20 (10–30, 3 runs)");
  });

  it("runs the sides interleaved, round by round", async () => {
    const order: string[] = [];
    const side = (name: string) => ({ name, run: async () => order.push(name) });
    const results = await interleaved([side("a"), side("b")], 3);
    expect(order).toEqual(["a", "b", "a", "b", "a", "b"]);
    expect(results.get("a")).toHaveLength(3);
  });

  it("takes nearest-rank percentiles of unsorted values", () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile([], 95)).toBeNaN();
  });
});
