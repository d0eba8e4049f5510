import { getTableColumns, getTableName } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as pgSchema from "./pg/index";
import * as sqliteSchema from "./sqlite/index";

const pg: Record<string, unknown> = { ...pgSchema };
const sqlite: Record<string, unknown> = { ...sqliteSchema };

// The stores run one implementation over both dialects; that only holds while both trees agree.
describe("schema parity", () => {
  const names = Object.keys(pg).sort();

  it("declares the same tables in both dialects", () => {
    expect(Object.keys(sqlite).sort()).toEqual(names);
  });

  it.each(names)("table %s has the same SQL name, columns and nullability", (name) => {
    const p = pg[name] as typeof pgSchema.tasks;
    const s = sqlite[name] as typeof sqliteSchema.tasks;
    expect(getTableName(s)).toBe(getTableName(p));
    const shape = (cols: Record<string, { name: string; notNull: boolean }>) =>
      Object.fromEntries(Object.entries(cols).map(([k, c]) => [k, { name: c.name, notNull: c.notNull }]));
    expect(shape(getTableColumns(s))).toEqual(shape(getTableColumns(p)));
  });
});
