import type { Database } from "../client";
import { createArtifactsStore } from "./artifacts-store";
import { createAuditStore } from "./audit-store";
import { createBotCardsStore } from "./bot-cards-store";
import { createDeadLettersStore } from "./dead-letters-store";
import { createEnvironmentsStore } from "./environments-store";
import { createGaugesStore } from "./gauges-store";
import { createIdempotencyStore } from "./idempotency-store";
import { createNotificationOutboxStore } from "./notification-outbox-store";
import { createNotificationSettingsStore } from "./notification-settings-store";
import { createProjectsStore } from "./projects-store";
import { createTaskEventsStore } from "./task-events-store";
import { createTasksStore } from "./tasks-store";

/** Every store over one database. */
export function createStores(database: Database): Stores {
  return {
    ...storesOver(database),
    /** Runs `work` with every store bound to one transaction: its writes commit together or not at all. */
    transaction: (work) => database.transaction((tx) => work(createStores(tx))),
  };
}

function storesOver(database: Database) {
  return {
    tasks: createTasksStore(database),
    taskEvents: createTaskEventsStore(database),
    projects: createProjectsStore(database),
    environments: createEnvironmentsStore(database),
    deadLetters: createDeadLettersStore(database),
    idempotency: createIdempotencyStore(database),
    notificationSettings: createNotificationSettingsStore(database),
    notificationOutbox: createNotificationOutboxStore(database),
    artifacts: createArtifactsStore(database),
    audit: createAuditStore(database),
    gauges: createGaugesStore(database),
    botCards: createBotCardsStore(database),
  };
}

export type Stores = ReturnType<typeof storesOver> & {
  transaction<T>(work: (tx: Stores) => Promise<T>): Promise<T>;
};
