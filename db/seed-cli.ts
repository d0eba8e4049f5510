import { loadConfig } from "../config";
import { openDatabase } from "./client";
import { seedDemoData } from "./seed";
import { createStores } from "./stores/index";

// `npm run seed`: adds the demo projects and environments that are missing.
const config = loadConfig();
const database = await openDatabase(config.databaseUrl);
const created = await seedDemoData(createStores(database));
console.log(
  `Seeded ${config.db}: ${created.projects} project(s) and ${created.environments} environment(s) added`,
);
await database.close();
