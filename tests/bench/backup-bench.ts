/**
 * npm run bench:backup — prints figures, asserts nothing about time. Needs DATABASE_URL (postgres://).
 * Backs up a PostgreSQL database of at least BENCH_DB_MB (default 100) MB through the product (API →
 * queue → worker → pg_dump → sha256/size → artifact store) on the local store and on Azure Blob
 * (Azurite), against plain `pg_dump --format=custom > file`. The three sides run BENCH_RUNS (default 3)
 * times each, interleaved (plain, local, Azurite, plain, …); each figure is the median (range) over
 * runs, and each product run's throughput is divided by the plain pg_dump of its own round. Reports
 * the worker's peak RSS growth (the worker runs in this process). Targets: ratio ≥ 0.8, RSS growth
 * < 50 MB, on both stores. A quick run: BENCH_DB_MB=20 BENCH_RUNS=3.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArtifactStore } from "../../platform/artifacts/artifact-store";
import { createAzureBlobArtifactStore } from "../../platform/artifacts/azure-blob-artifact-store";
import { createTestApi } from "../support/api-harness";
import { type Azurite, startAzurite } from "../support/azurite";
import { postgresUrl } from "../support/services";
import { createSourceDatabase, type SourceDatabase } from "../support/source-database";
import { formatSummary, interleaved, machineLine, summarise } from "./stats";

const MB = 1024 * 1024;
const MIN_DB_BYTES = Number(process.env.BENCH_DB_MB ?? 100) * MB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Run {
  seconds: number;
  bytes: number;
  rssGrowth: number;
}

async function fill(db: SourceDatabase): Promise<number> {
  await db.query("create table events (id bigint primary key, a text, b text, payload text)");
  let size = 0;
  for (let from = 1; size < MIN_DB_BYTES; from += 100_000) {
    await db.query(
      `insert into events select i, md5(i::text), md5((i * 7)::text), repeat(md5((i * 13)::text), 4)
         from generate_series(${from}, ${from + 99_999}) i`,
    );
    const [row] = await db.query<{ size: string }>("select pg_database_size(current_database()) as size");
    size = Number(row?.size ?? 0);
  }
  await db.query("vacuum analyze events");
  return size;
}

/** Plain pg_dump into a file, as an operator would run it by hand. */
async function plainDump(db: SourceDatabase, file: string): Promise<{ seconds: number; bytes: number }> {
  const url = new URL(db.url);
  const fd = openSync(file, "w");
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn("pg_dump", ["--format=custom", "--no-password"], {
      stdio: ["ignore", fd, "inherit"],
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || "5432",
        PGUSER: decodeURIComponent(url.username),
        PGDATABASE: db.name,
      },
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`pg_dump exited with ${code}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  closeSync(fd);
  return { seconds, bytes: statSync(file).size };
}

/** One backup through the API and worker; samples this process's RSS while it runs. */
async function productDump(db: SourceDatabase, store: ArtifactStore | undefined): Promise<Run> {
  const api = await createTestApi({
    env: { DB_INSTANCES: JSON.stringify({ bench: { engine: "azure-postgres", url: db.url } }) },
    artifactStore: store,
    startWorker: true,
  });
  try {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    const res = await api.as("operator")("/api/db/azure-postgres/bench/backup", { method: "POST" });
    const { taskId } = (await res.json()) as { taskId: string };
    const task = await api.t.waitForStatus(taskId, ["succeeded", "failed"], 30 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (task.status !== "succeeded") throw new Error(`backup failed: ${JSON.stringify(task.error)}`);
    const [artifact] = await api.t.stores.artifacts.list({ instanceId: "bench" });
    return { seconds, bytes: artifact?.size ?? 0, rssGrowth: peak - before };
  } finally {
    await api.close();
  }
}

async function main(): Promise<void> {
  console.log(machineLine());
  if (!postgresUrl) {
    console.error(
      "bench:backup needs DATABASE_URL (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)",
    );
    process.exit(1);
  }
  const db = await createSourceDatabase("cloudops_bench");
  const dir = mkdtempSync(join(tmpdir(), "cloudops-bench-"));
  let azurite: Azurite | null = null;
  try {
    const dbBytes = await fill(db);
    console.log(
      `bench:backup — database ${(dbBytes / MB).toFixed(0)} MB (pg_database_size), ${RUNS} runs per side, interleaved`,
    );
    azurite = await startAzurite();
    const blob = createAzureBlobArtifactStore({
      connectionString: azurite.connectionString,
      container: "bench",
    });
    const plain = async (): Promise<Run> => ({
      ...(await plainDump(db, join(dir, "plain.dump"))),
      rssGrowth: Number.NaN,
    });
    const sides = [
      { name: "plain pg_dump > file", run: plain },
      { name: "product, local store", run: () => productDump(db, undefined) },
      { name: "product, Azurite", run: () => productDump(db, blob) },
    ];
    const rate = (r: Run) => r.bytes / MB / r.seconds;
    const results = await interleaved(sides, RUNS, (name, r, round) =>
      console.log(
        `  run ${round} ${name.padEnd(21)} ${rate(r).toFixed(1).padStart(6)} MB/s  ${r.seconds.toFixed(2)} s  ${(r.bytes / MB).toFixed(1)} MB${Number.isNaN(r.rssGrowth) ? "" : `  RSS +${(r.rssGrowth / MB).toFixed(1)} MB`}`,
      ),
    );
    const plainRuns = results.get(sides[0]?.name ?? "") ?? [];
    console.log("median (range) over runs:");
    console.log(
      `  ${"plain pg_dump > file".padEnd(21)} ${formatSummary(summarise(plainRuns.map(rate)), 1)} MB/s`,
    );
    let met = true;
    for (const side of sides.slice(1)) {
      const runs = results.get(side.name) ?? [];
      // Each run against the plain pg_dump of its own round: the machine's load drifts between rounds.
      const ratios = summarise(runs.map((r, i) => rate(r) / rate(plainRuns[i] ?? r)));
      const growth = summarise(runs.map((r) => r.rssGrowth / MB));
      const ok = ratios.median >= 0.8 && growth.max < 50;
      met &&= ok;
      console.log(
        `  ${side.name.padEnd(21)} ${formatSummary(summarise(runs.map(rate)), 1)} MB/s  ratio ${formatSummary(ratios, 2)}  worker RSS +${formatSummary(growth, 1)} MB  ${ok ? "target met" : "TARGET MISSED"}`,
      );
    }
    console.log(
      `Targets (median ratio ≥ 0.8, RSS growth < 50 MB in every run, on both stores): ${met ? "met" : "missed"}`,
    );
  } finally {
    await azurite?.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
