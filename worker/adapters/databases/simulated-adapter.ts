import { Readable } from "node:stream";
import type { EngineAdapter } from "./engine-adapter";

/**
 * Demo mode without DB_INSTANCES: a small made-up dump so checksums, storage and restores run end to
 * end without a database. Everything it writes says "simulated".
 */
export function createSimulatedAdapter(): EngineAdapter {
  return {
    async backup(instance, sink, ctx) {
      await ctx.log(`Simulated: no database is contacted; writing a made-up dump of ${instance.id}`);
      const header =
        instance.engine === "azure-postgres"
          ? "-- PostgreSQL database dump (simulated)"
          : "-- BACPAC export (simulated)";
      const rows = Array.from(
        { length: 50 },
        (_, i) => `INSERT INTO demo_rows VALUES (${i}, '${instance.id}-${i}');`,
      );
      const text = [
        header,
        `-- instance: ${instance.id}`,
        `-- taken: ${new Date().toISOString()}`,
        ...rows,
      ].join("\n");
      const stored = await sink(Readable.from([Buffer.from(text)]));
      return { stored, serverVersion: null, tableCount: 1, tool: "simulator" };
    },
    async restore(instance, open, ctx) {
      for await (const _ of await open()) {
        // Read it through, as a real import would.
      }
      await ctx.log(`Simulated: nothing is written to ${instance.id}`);
    },
    async verify() {
      return { counts: [{ table: "demo_rows (simulated)", rows: 50 }] };
    },
  };
}
