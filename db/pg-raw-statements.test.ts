import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../tests/support/databases";
import { postgresUrl } from "../tests/support/services";

// The task engine's raw statements are named on PostgreSQL, so each connection parses and plans them
// once (db/client.ts, pgQuery). Asked of the server itself: its pg_prepared_statements view lists
// the statements prepared in the session that reads it.
describe.runIf(postgresUrl)("raw statements on PostgreSQL", () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase("postgres");
  });
  afterAll(async () => testDb?.destroy());

  it("are prepared once per connection and run again from there, with their placeholders numbered", async () => {
    const text = "select ? :: integer + ? :: integer as sum, 'prepared-statement-probe' as probe";
    const { prepared, sums } = await testDb.database.rawTransaction(async (run) => {
      const first = await run(text, [1, 2]);
      const second = await run(text, [40, 2]);
      const listed = await run(
        "select statement from pg_prepared_statements where statement like '%prepared-statement-probe%' and statement not like '%pg_prepared_statements%'",
        [],
      );
      return { prepared: listed.map((row) => String(row.statement)), sums: [first[0]?.sum, second[0]?.sum] };
    });
    expect(sums).toEqual([3, 42]);
    expect(prepared).toHaveLength(1);
    expect(prepared[0]).toContain("$1 :: integer + $2 :: integer");
  });
});
