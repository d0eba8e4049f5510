import { loadConfig } from "../../../config";
import { connectServiceBusAdmin, ensureServiceBusQueue } from "./ensure-queue";

// `npx tsx worker/queue/servicebus/ensure-queue-cli.ts`: creates AZURE_SERVICEBUS_QUEUE with sessions when it is missing.
// Needs a connection string with the Manage claim (the running app only needs Send and Listen).
const config = loadConfig();
const connectionString = config.queue.serviceBusConnectionString;
if (!connectionString) {
  console.error("Set AZURE_SERVICEBUS_CONNECTION_STRING (with the Manage claim) to create the queue");
  process.exit(1);
}
const outcome = await ensureServiceBusQueue(
  connectServiceBusAdmin(connectionString),
  config.queue.serviceBusQueue,
);
console.log(`Service Bus queue ${config.queue.serviceBusQueue}: ${outcome} (sessions required)`);
