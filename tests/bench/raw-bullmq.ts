import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { startCpuMeter } from "./cpu-meter";
import { createOrderCheck, rounds, until, type Workload, work } from "./workload";

/** Plain BullMQ, no-op jobs, same concurrency: the ceiling our FIFO layer is compared against. */
export async function benchRawBullmq(
  redisUrl: string,
  prefix: string,
  workload: Workload,
  concurrency: number,
) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("raw", { connection, prefix });
  const order = createOrderCheck();
  const worker = new Worker(
    "raw",
    async (job) => {
      const { entityId, seq } = job.data as { entityId: string; seq: number };
      order.start(entityId, seq);
      await work(workload);
      order.end(entityId, seq);
    },
    { connection: workerConnection, prefix, concurrency },
  );
  await worker.waitUntilReady();
  const stopMeter = await startCpuMeter(redisUrl);
  const started = performance.now();
  for (const round of rounds(workload)) {
    await queue.addBulk(
      round.map((item) => ({
        name: "noop",
        data: item,
        opts: { removeOnComplete: true, removeOnFail: true },
      })),
    );
  }
  await until(() => order.completed >= workload.jobs, 300_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = await stopMeter();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await Promise.all([connection.quit(), workerConnection.quit()]);
  return {
    jobsPerSecond: workload.jobs / seconds,
    seconds,
    violations: order.violations,
    nodeCpuMsPerJob: cpu.nodeCpuMs / workload.jobs,
    redisCpuMsPerJob: cpu.redisCpuMs / workload.jobs,
    redisScriptUsPerJob: (cpu.redisScriptMs * 1000) / workload.jobs,
    redisCommandsPerJob: cpu.redisCommands / workload.jobs,
  };
}
