import { createRequire } from "node:module";

/**
 * Adding a head's BullMQ job inside our own Lua scripts, so "this item became its entity's head" and
 * "its job exists" happen in one atomic script and one round trip (enqueue, and pop-the-head-then-add-
 * the-next). We do not rewrite BullMQ's job insert: the script embeds BullMQ's own `addStandardJob`
 * Lua (the exact text the installed BullMQ runs for `queue.add`) as a local function, and calls it
 * with the keys and arguments `queue.add` would pass. head-job.test.ts checks the job it makes is the
 * job `queue.add` makes, so a BullMQ upgrade that changes the script's contract fails there.
 */
const bullmqScripts = createRequire(import.meta.url)("bullmq/dist/cjs/scripts/addStandardJob-9.js") as {
  addStandardJob: { content: string; keys: number };
};
const { addStandardJob } = bullmqScripts;

/** BullMQ's queue keys `addStandardJob` takes, in its order (see its header). */
const JOB_KEY_NAMES = ["wait", "paused", "meta", "id", "completed", "delayed", "active", "events", "marker"];
if (addStandardJob.keys !== JOB_KEY_NAMES.length)
  throw new Error(`BullMQ's addStandardJob takes ${addStandardJob.keys} keys; head-job.ts passes 9`);

/** Name and options of every head job (also the Queues' defaultJobOptions, used by the sweep's `add`). */
export const HEAD_JOB_NAME = "task";
export const HEAD_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true } as const;
/** The options as BullMQ stores them for `queue.add` (its Job adds `attempts: 0`; head-job.test.ts compares). */
const STORED_OPTIONS_JSON = JSON.stringify({ ...HEAD_JOB_OPTIONS, attempts: 0 });

/**
 * Lua defining `addHeadJob(queuePrefix, encodedEntity, timestamp, entityId, taskId, seq, traceparent,
 * nonce)`:
 * adds the head job of an item as `queue.add(HEAD_JOB_NAME, data, { jobId })` would, where
 * `queuePrefix` is the queue's key prefix (`queue.keys[""]`, which BullMQ's keys extend), the job id
 * is `headJobId` (keys.ts: encoded entity id, ".", seq) and the data `{entityId, taskId, seq[,
 * traceparent][, nonce]}` (nonce: own-heads.ts). Returns BullMQ's result (the job id).
 */
export const ADD_HEAD_JOB_LUA = `
local function bullmqAddStandardJob(KEYS, ARGV)
${addStandardJob.content}
end
local function addHeadJob(queuePrefix, encodedEntity, timestamp, entityId, taskId, seq, traceparent, nonce)
  local jobKeys = {}
  for i, name in ipairs({${JOB_KEY_NAMES.map((k) => `'${k}'`).join(", ")}}) do jobKeys[i] = queuePrefix .. name end
  local jobId = encodedEntity .. '.' .. seq
  local opts = cjson.decode([[${STORED_OPTIONS_JSON}]])
  opts['jobId'] = jobId
  local data = {entityId = entityId, taskId = taskId, seq = tostring(seq)}
  if traceparent and traceparent ~= '' then data['traceparent'] = traceparent end
  if nonce and nonce ~= '' then data['nonce'] = nonce end
  local packedArgs = cmsgpack.pack({queuePrefix, jobId, '${HEAD_JOB_NAME}', tonumber(timestamp)})
  return bullmqAddStandardJob(jobKeys, {packedArgs, cjson.encode(data), cmsgpack.pack(opts)})
end
`;
