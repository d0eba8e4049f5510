import { afterAll, describe, expect, it } from "vitest";
import {
  createFixedWindowLimiter,
  createInProcessFixedWindowLimiter,
} from "../../platform/rate-limit/fixed-window-limiter";
import { createRedisFactory, type RedisConnection } from "../../platform/redis";
import { redisUrl, uniqueSuffix } from "../support/services";

// "memory" is the in-process limiter of a start without Redis; the others count in Redis.
const backends: Array<[string, string | undefined]> = [
  ["memory", undefined],
  ["ioredis-mock", undefined],
];
if (redisUrl) backends.push(["Redis", redisUrl]);

describe.each(backends)("per-user rate limit on %s", (name, url) => {
  const connection: RedisConnection = createRedisFactory(url).open("request");
  const make = (limitPerMinute: number, windowMs?: number) =>
    name === "memory"
      ? createInProcessFixedWindowLimiter({ limitPerMinute, windowMs })
      : createFixedWindowLimiter({ redis: () => connection, prefix, limitPerMinute, windowMs });
  const prefix = `cloudops-test:${uniqueSuffix()}`;
  afterAll(async () => {
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length) await connection.del(...keys);
    await connection.quit();
  });

  const limiter = (limitPerMinute: number) => make(limitPerMinute);

  it("allows the budget, then refuses with the seconds left in the window", async () => {
    const l = limiter(3);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await l.hit("ann"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    const last = decisions[3];
    expect(last?.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(last?.resetSeconds).toBeLessThanOrEqual(60);
  });

  it("counts each user on their own", async () => {
    const l = limiter(1);
    expect((await l.hit("bea")).allowed).toBe(true);
    expect((await l.hit("cid")).allowed).toBe(true);
    expect((await l.hit("bea")).allowed).toBe(false);
  });

  it("counts simultaneous requests exactly", async () => {
    const l = limiter(10);
    const decisions = await Promise.all(Array.from({ length: 25 }, () => l.hit("dan")));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it("starts a fresh budget in the next window", async () => {
    const l = make(1, 60_000);
    const now = Date.now();
    expect((await l.hit("eve", now)).allowed).toBe(true);
    expect((await l.hit("eve", now)).allowed).toBe(false);
    expect((await l.hit("eve", now + 60_000)).allowed).toBe(true);
  });
});
