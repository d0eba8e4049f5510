import { silentLogger } from "../../platform/logger";
import { createQueue } from "../../worker/queue/create-queue";
import { startCpuMeter } from "./cpu-meter";
import { createOrderCheck, rounds, until, type Workload, work } from "./workload";

/** Our FIFO engine on BullMQ (worker/queue/bullmq), no-op processor, the same items. */
export async function benchFifoEngine(
  redisUrl: string,
  prefix: string,
  workload: Workload,
  concurrency: number,
  /** Another checkout's `createQueue` (BENCH_BASELINE), to compare two versions in one run. */
  create: typeof createQueue = createQueue,
) {
  const queue = await create(
    { engine: "bullmq", redisUrl, prefix, maxConcurrentSessions: concurrency, maxMessagesPerSession: 4 },
    silentLogger,
  );
  const order = createOrderCheck();
  const seqOf = new Map<string, number>();
  await queue.start(async (delivery) => {
    const seq = seqOf.get(delivery.taskId) ?? -1;
    order.start(delivery.entityId, seq);
    await work(workload);
    order.end(delivery.entityId, seq);
    return { kind: "done" };
  });
  const stopMeter = await startCpuMeter(redisUrl);
  const started = performance.now();
  for (const round of rounds(workload)) {
    // Entities publish in parallel; each entity's items go in order, one round after the other.
    await Promise.all(
      round.map((item) => {
        seqOf.set(item.taskId, item.seq);
        return queue.enqueue({ taskId: item.taskId, entityId: item.entityId });
      }),
    );
  }
  await until(() => order.completed >= workload.jobs, 300_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = await stopMeter();
  await queue.close();
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
