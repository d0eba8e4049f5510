import { Redis } from "ioredis";

export interface CpuUse {
  /** This Node process's CPU (user + system) over the measured window. */
  nodeCpuMs: number;
  /** The Redis server's CPU (used_cpu_user + used_cpu_sys of INFO CPU); server-wide, so other clients count. */
  redisCpuMs: number;
}

/** Reads the CPU a Redis server has used so far, in ms. */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

/**
 * Measures the CPU of a window of work on both sides of the wire: this process (process.cpuUsage) and
 * the Redis server (INFO CPU). Open it before the timed work and call the returned `stop` right after.
 */
export async function startCpuMeter(redisUrl: string): Promise<() => Promise<CpuUse>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const redisBefore = await redisCpuMs(redis);
  const nodeBefore = process.cpuUsage();
  return async () => {
    const node = process.cpuUsage(nodeBefore);
    const redisAfter = await redisCpuMs(redis);
    await redis.quit();
    return { nodeCpuMs: (node.user + node.system) / 1000, redisCpuMs: redisAfter - redisBefore };
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
