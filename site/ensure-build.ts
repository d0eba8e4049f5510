import { ensureSiteBuilt } from "./build-state";

// `npm start` runs this first (prestart): a fresh clone has no site/dist, so build it once.
await ensureSiteBuilt((line) => process.stdout.write(`${line}\n`));
