/**
 * One end-to-end run of the task engine in its own process (see benchTaskEngineInChild):
 * `node --import tsx tests/bench/task-engine-child.ts <checkout root> <options JSON>`; prints the
 * result as JSON on its last line.
 */
import { benchTaskEngine, loadEngineModules, type TaskEngineOptions } from "./task-engine";

const [root, json] = process.argv.slice(2);
if (!root || !json) {
  console.error("usage: task-engine-child.ts <checkout root> <options JSON>");
  process.exit(2);
}
const options = JSON.parse(json) as TaskEngineOptions;
benchTaskEngine(options, await loadEngineModules(root)).then(
  (result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
