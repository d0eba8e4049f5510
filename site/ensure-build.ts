import { ensureSiteBuilt } from "./build-state";

// `npm start` (start.mjs) runs this, compiled, before the server: a fresh clone has no site/dist, so build it once.
await ensureSiteBuilt((line) => process.stdout.write(`${line}\n`));
