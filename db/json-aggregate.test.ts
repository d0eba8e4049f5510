import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { jsonArrayOf, jsonPairs, MAX_JSON_COLUMNS, parseJsonArray } from "./json-aggregate";
import * as pgSchema from "./schema/pg/index";
import * as sqliteSchema from "./schema/sqlite/index";

/** A table of `n` integer columns c0, c1, … */
const wide = (n: number) =>
  sqliteTable("wide", Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, integer(`c${i}`)])));

describe("JSON aggregates of rows", () => {
  it("names every column once, qualified by the subquery when given", () => {
    expect(jsonPairs(wide(2))).toBe(`'c0', "c0", 'c1', "c1"`);
    expect(jsonPairs(wide(2), "page")).toBe(`'c0', "page"."c0", 'c1', "page"."c1"`);
    expect(jsonArrayOf("sqlite", "'a', 1", "x")).toBe("json_group_array(json_object('a', 1) order by x)");
    expect(jsonArrayOf("postgres", "'a', 1", "x")).toBe(
      "coalesce(json_agg(json_build_object('a', 1) order by x), '[]')",
    );
  });

  it("refuses a table wider than json_object takes, by name, instead of failing in the database", () => {
    expect(() => jsonPairs(wide(MAX_JSON_COLUMNS))).not.toThrow();
    expect(() => jsonPairs(wide(MAX_JSON_COLUMNS + 1))).toThrow(/wide has 51 columns/);
  });

  it("fits every table read this way, on both dialects", () => {
    for (const schema of [pgSchema, sqliteSchema]) {
      for (const table of [schema.tasks, schema.taskSteps, schema.taskLogs]) {
        expect(() => jsonPairs(table)).not.toThrow();
      }
    }
  });

  it("reads the array as either driver returns it", () => {
    expect(parseJsonArray('[{"a":1}]')).toEqual([{ a: 1 }]);
    expect(parseJsonArray([{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(parseJsonArray(null)).toEqual([]);
  });
});
