import { describe, expect, it } from "vitest";
import { formatSummary, interleaved, percentile, summarise } from "./stats";

describe("benchmark statistics", () => {
  it("takes the median of odd and even counts and the range", () => {
    expect(summarise([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: 3 });
    expect(summarise([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
    expect(formatSummary(summarise([10, 30, 20]))).toBe("20 (10–30, 3 runs)");
  });

  it("runs the sides interleaved, round by round, every other round in reverse", async () => {
    const order: string[] = [];
    let n = 0;
    const side = (name: string) => ({ name, run: async () => `${name}${++n}` });
    const results = await interleaved([side("a"), side("b"), side("c")], 3, (name) => order.push(name));
    expect(order).toEqual(["a", "b", "c", "c", "b", "a", "a", "b", "c"]);
    // Each side's results stay in round order, whatever order the round ran in.
    expect(results.get("a")).toEqual(["a1", "a6", "a7"]);
    expect(results.get("c")).toEqual(["c3", "c4", "c9"]);
  });

  it("takes nearest-rank percentiles of unsorted values", () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile([], 95)).toBeNaN();
  });
});
