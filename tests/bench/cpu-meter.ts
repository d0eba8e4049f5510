import { Redis } from "ioredis";

export interface CpuUse {
  /** This Node process's CPU (user + system) over the measured window. */
  nodeCpuMs: number;
  /** The Redis server's CPU (used_cpu_user + used_cpu_sys of INFO CPU); server-wide, so other clients count. */
  redisCpuMs: number;
  /**
   * Time Redis spent running scripts (EVALSHA, EVAL), the commands they call included, in ms: where
   * both BullMQ and the FIFO layer do their work. From INFO commandstats, server-wide like the CPU.
   */
  redisScriptMs: number;
  /** Commands Redis ran, each command a script called counted too (the scripts themselves are not). */
  redisCommands: number;
}

/** Calls and µs of each command so far, from the text of INFO commandstats (`cmdstat_get:calls=…,usec=…`). */
export function parseCommandStats(info: string): Map<string, { calls: number; usec: number }> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
    stats.set(match[1] ?? "", { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
}

const SCRIPT_COMMANDS = new Set(["evalsha", "eval", "evalsha_ro", "eval_ro"]);
/** The meter's own commands, left out of the count. */
const METER_COMMANDS = new Set(["info"]);

/** Script time (ms) and command count between two INFO commandstats readings. */
export function commandStatsBetween(before: string, after: string): { scriptMs: number; commands: number } {
  const start = parseCommandStats(before);
  let scriptUs = 0;
  let commands = 0;
  for (const [name, now] of parseCommandStats(after)) {
    const then = start.get(name) ?? { calls: 0, usec: 0 };
    if (SCRIPT_COMMANDS.has(name)) scriptUs += now.usec - then.usec;
    else if (!METER_COMMANDS.has(name)) commands += now.calls - then.calls;
  }
  return { scriptMs: scriptUs / 1000, commands };
}

/** Reads the CPU a Redis server has used so far, in ms. */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

/**
 * Measures the CPU of a window of work on both sides of the wire: this process (process.cpuUsage) and
 * the Redis server (INFO CPU, and INFO commandstats for its scripts and commands). Open it before the
 * timed work and call the returned `stop` right after.
 */
export async function startCpuMeter(redisUrl: string): Promise<() => Promise<CpuUse>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const statsBefore = await redis.info("commandstats");
  const redisBefore = await redisCpuMs(redis);
  const nodeBefore = process.cpuUsage();
  return async () => {
    const node = process.cpuUsage(nodeBefore);
    const redisAfter = await redisCpuMs(redis);
    const stats = commandStatsBetween(statsBefore, await redis.info("commandstats"));
    await redis.quit();
    return {
      nodeCpuMs: (node.user + node.system) / 1000,
      redisCpuMs: redisAfter - redisBefore,
      redisScriptMs: stats.scriptMs,
      redisCommands: stats.commands,
    };
  };
}

/** How many other clients the Redis server has: its CPU figures include their work. */
export async function redisClients(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const info = await redis.info("clients");
    return Number(/^connected_clients:(\d+)/m.exec(info)?.[1] ?? Number.NaN) - 1;
  } finally {
    await redis.quit();
  }
}
