/**
 * npm run bench:bot — prints figures, asserts nothing about time.
 * Time from POSTing a Teams channel message to /api/messages until the bot's card reply reaches the
 * (fake) Bot Connector, with 20 conversations sending at once. Whole process (ROLE=all, SQLite,
 * memory queue) on a loopback port; each command starts a real task through the API.
 */
import { startBotRuntime } from "../support/bot-runtime";
import { channelMessage, type TeamsUser } from "../support/teams-activities";

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 20);
const ROUNDS = 5;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const bot = await startBotRuntime({ DEMO_STEP_DELAY_MS: "50", RATE_LIMIT_PER_MINUTE: "1000" });
  try {
    const users: TeamsUser[] = Array.from({ length: CONVERSATIONS }, (_, i) => ({
      id: `29:bench-user-${i}`,
      name: `Bench User ${i}`,
      aadObjectId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    }));
    const oneCommand = async (i: number, round: number): Promise<number> => {
      const activity = channelMessage({
        serviceUrl: bot.connector.url,
        conversationId: `19:bench-${i}@thread.tacv2`,
        text: `restart bench-${i}/app-${round}`,
        user: users[i],
      });
      const started = performance.now();
      const replied = bot.connector.waitFor(
        (c) => c.method === "POST" && c.activityId === activity.id,
        30_000,
      );
      const answer = await bot.post(activity);
      if (answer.status !== 200) throw new Error(`/api/messages answered ${answer.status}`);
      await replied;
      return performance.now() - started;
    };
    // Warm-up: first requests pay for module loading and SQLite page cache.
    await Promise.all(users.map((_, i) => oneCommand(i, -1)));

    const samples: number[] = [];
    const wall = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      samples.push(...(await Promise.all(users.map((_, i) => oneCommand(i, round)))));
    }
    const seconds = (performance.now() - wall) / 1000;
    samples.sort((a, b) => a - b);
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      `bench:bot — ${CONVERSATIONS} concurrent conversations × ${ROUNDS} rounds = ${samples.length} commands`,
    );
    console.log(
      "  activity POST → card reply at the Bot Connector (each command starts a task through the API)",
    );
    console.log(
      `  p50 ${ms(percentile(samples, 50))}   p95 ${ms(percentile(samples, 95))}   max ${ms(samples.at(-1) ?? 0)}`,
    );
    console.log(
      `  throughput ${(samples.length / seconds).toFixed(1)} commands/s over ${seconds.toFixed(2)} s`,
    );
  } finally {
    await bot.stop();
  }
}

await main();
