import { describe, expect, it } from "vitest";
import { groupCommit } from "./sqlite-serial";

/** A group commit over a recording "database": what each transaction held, and what committed. */
function recorded() {
  const transactions: string[][] = [];
  const committed: string[] = [];
  const group = groupCommit<string[]>(
    async (body) => {
      const tx: string[] = [];
      transactions.push(tx);
      await body(tx);
      committed.push(...tx);
    },
    async (tx, work) => {
      const inner: string[] = [];
      const value = await work(inner);
      tx.push(...inner); // released: its writes join the transaction; a throw leaves them out
      return value;
    },
  );
  return { group, transactions, committed };
}

describe("group commit", () => {
  it("starts the first transaction at once and commits those that arrive meanwhile together", async () => {
    const { group, transactions, committed } = recorded();
    const committedWhenResolved: string[][] = [];
    const results = await Promise.all(
      ["a", "b", "c"].map((name) =>
        group
          .run(async (tx) => {
            tx.push(name);
            return name.toUpperCase();
          })
          .then((value) => {
            committedWhenResolved.push([...committed]);
            return value;
          }),
      ),
    );
    expect(results).toEqual(["A", "B", "C"]);
    // Not deferred to a later turn: a group held back to gather more transactions made every bot
    // reply wait for it (bench:bot first reply p95 1.21x, p50 191 vs 114 ms), for 1.07x end to end.
    expect(transactions).toEqual([["a"], ["b", "c"]]);
    expect(committedWhenResolved).toEqual([["a"], ["a", "b", "c"], ["a", "b", "c"]]);
  });

  it("fails a throwing transaction alone and keeps the others of its group", async () => {
    const { group, transactions, committed } = recorded();
    const outcomes = await Promise.allSettled([
      group.run(async (tx) => {
        tx.push("first");
      }),
      group.run(async (tx) => {
        tx.push("kept");
      }),
      group.run(async (tx) => {
        tx.push("lost");
        throw new Error("refused");
      }),
      group.run(async (tx) => {
        tx.push("kept too");
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(transactions).toHaveLength(2);
    expect(committed).toEqual(["first", "kept", "kept too"]);
  });

  it("puts a transaction that arrives while a group runs into the next group", async () => {
    const { group, transactions } = recorded();
    let late: Promise<unknown> | undefined;
    await group.run(async (tx) => {
      tx.push("first");
      late = group.run(async (next) => {
        next.push("late");
      });
    });
    await late;
    expect(transactions).toEqual([["first"], ["late"]]);
  });
});
