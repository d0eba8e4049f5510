import { monitorEventLoopDelay } from "node:perf_hooks";
import type { BatchObservableCallback, Meter } from "@opentelemetry/api";

/** Process CPU, memory and event-loop delay as observable instruments; returns a stop function. */
export function observeProcess(meter: Meter): () => void {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const cpu = meter.createObservableCounter("process_cpu_seconds", {
    description: "User and system CPU time spent by the process, in seconds",
  });
  const rss = meter.createObservableGauge("process_resident_memory_bytes", {
    description: "Resident set size of the process, in bytes",
  });
  const heap = meter.createObservableGauge("nodejs_heap_used_bytes", {
    description: "V8 heap in use, in bytes",
  });
  const delay = meter.createObservableGauge("nodejs_eventloop_delay_seconds", {
    description: "Event-loop delay since the previous scrape (p50, p99, max), in seconds",
  });
  const observables = [cpu, rss, heap, delay];
  const callback: BatchObservableCallback = (result) => {
    const used = process.cpuUsage();
    result.observe(cpu, (used.user + used.system) / 1e6);
    const memory = process.memoryUsage();
    result.observe(rss, memory.rss);
    result.observe(heap, memory.heapUsed);
    // The histogram is in nanoseconds; NaN before the first sample.
    const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    result.observe(delay, s(loop.percentile(50)), { quantile: "0.5" });
    result.observe(delay, s(loop.percentile(99)), { quantile: "0.99" });
    result.observe(delay, s(loop.max), { quantile: "1" });
    loop.reset();
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    loop.disable();
  };
}
