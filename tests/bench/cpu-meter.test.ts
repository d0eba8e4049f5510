import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { redisUrl } from "../support/services";
import { commandStatsBetween, parseCommandStats } from "./cpu-meter";

// INFO commandstats as Redis 7 writes it (extra fields after usec, subcommands with "|").
const BEFORE = [
  "# Commandstats",
  "cmdstat_evalsha:calls=10,usec=200,usec_per_call=20.00,rejected_calls=0,failed_calls=0",
  "cmdstat_get:calls=5,usec=5,usec_per_call=1.00,rejected_calls=0,failed_calls=0",
  "cmdstat_info:calls=3,usec=90,usec_per_call=30.00,rejected_calls=0,failed_calls=0",
  "",
].join("\r\n");
const AFTER = [
  "# Commandstats",
  "cmdstat_evalsha:calls=30,usec=700,usec_per_call=23.33,rejected_calls=0,failed_calls=0",
  "cmdstat_eval:calls=1,usec=100,usec_per_call=100.00,rejected_calls=0,failed_calls=0",
  "cmdstat_get:calls=45,usec=45,usec_per_call=1.00,rejected_calls=0,failed_calls=0",
  "cmdstat_config|resetstat:calls=1,usec=10,usec_per_call=10.00,rejected_calls=0,failed_calls=0",
  "cmdstat_info:calls=9,usec=270,usec_per_call=30.00,rejected_calls=0,failed_calls=0",
  "",
].join("\r\n");

describe("the bench's Redis command meter", () => {
  it("reads each command's calls and time, subcommands included", () => {
    const stats = parseCommandStats(AFTER);
    expect(stats.get("evalsha")).toEqual({ calls: 30, usec: 700 });
    expect(stats.get("config|resetstat")).toEqual({ calls: 1, usec: 10 });
    expect(stats.size).toBe(5);
  });

  it("counts script time and commands between two readings, leaving out its own INFO", () => {
    // Scripts: evalsha 500 µs more, eval new with 100. Commands: 40 GETs and 1 CONFIG RESETSTAT.
    expect(commandStatsBetween(BEFORE, AFTER)).toEqual({ scriptMs: 0.6, commands: 41 });
  });

  it.runIf(redisUrl)("matches what a real Redis reports for a script and its commands", async () => {
    const redis = new Redis(redisUrl ?? "", { maxRetriesPerRequest: 3 });
    try {
      const before = await redis.info("commandstats");
      await redis.eval(
        "redis.call('GET', KEYS[1]); return redis.call('GET', KEYS[1])",
        1,
        "meter-test:absent",
      );
      await redis.get("meter-test:absent");
      const between = commandStatsBetween(before, await redis.info("commandstats"));
      // Other clients of a shared Redis may add commands and script time, never remove them.
      expect(between.commands).toBeGreaterThanOrEqual(3);
      expect(between.scriptMs).toBeGreaterThan(0);
    } finally {
      await redis.quit();
    }
  });
});
