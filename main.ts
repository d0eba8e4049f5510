import { createRuntime, VERSION } from "./compose";
import { type Config, ConfigError, loadConfig } from "./config";
import { createLogger } from "./platform/logger";
import { startTracing } from "./platform/telemetry/tracing";

// Process entry: parse configuration once, wire the rooms for ROLE, serve, and stop cleanly.
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.logLevel, { role: config.role });
// Before anything makes spans; with neither OTLP nor Application Insights configured this loads nothing.
const tracing = await startTracing({
  serviceName: config.telemetry.serviceName,
  role: config.role,
  version: VERSION,
  otlp: config.telemetry.otlpTraces,
  azureMonitorConnectionString: config.telemetry.azureMonitorConnectionString,
});
// Some settings can only be checked while wiring (a kubeconfig file, its KUBE_CONTEXT): same one-line exit.
const runtime = await createRuntime(config, logger).catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}
`);
  process.exit(1);
});
const port = await runtime.start();
logger.info("CloudOps is up", {
  url: `http://localhost:${port}`,
  role: config.role,
  db: runtime.database.dialect,
  queue: runtime.queue.kind,
  demoMode: config.demoMode,
  tracing: tracing.enabled,
});
if (config.role === "all" || config.role === "api") {
  process.stdout.write(
    `\n  CloudOps is running on http://localhost:${port}  (API /api · docs /docs · bot /api/messages)\n\n`,
  );
}

// The hard stop comes after the grace (running steps may finish) plus time to hand tasks back and close
// connections; a fixed limit below SHUTDOWN_GRACE_MS would cut the grace short.
const STOP_MARGIN_MS = 5000;
const hardStopMs = config.shutdownGraceMs + STOP_MARGIN_MS;

let signalled = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info("stopping", { signal });
    const hardStop = setTimeout(() => {
      logger.error("clean stop took too long; exiting", { hardStopMs });
      process.exit(1);
    }, hardStopMs);
    hardStop.unref();
    runtime.stop().then(
      async () => {
        // The last spans (the stop itself, tasks handed back) reach the collector before exit.
        await tracing.shutdown().catch(() => undefined);
        logger.info("stopped cleanly");
        process.exit(0);
      },
      (error) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  });
}
