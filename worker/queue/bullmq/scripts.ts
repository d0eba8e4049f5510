import { ADD_HEAD_JOB_LUA } from "./head-job";

/**
 * The FIFO layer's Lua scripts. Each one is atomic on Redis, which is what keeps one head per entity
 * across any number of worker processes. enqueue and popHead also add the BullMQ job of the item that
 * becomes head (head-job.ts), so an item is never head without its job and each costs one round trip.
 *
 * KEYS[1] is the lane key base (`FifoKeys.laneBase`) and, for the scripts that add jobs, KEYS[2] the
 * BullMQ queue's key prefix: the scripts build the keys from them (LANE_KEYS below, mirroring keys.ts)
 * rather than receive fifteen keys per call, because the bytes sent per command were most of the
 * engine's socket write cost (BullMQ's own scripts build job keys from its prefix the same way).
 */
const LANE_KEYS = `
local base = KEYS[1]
local itemsKey, seqsKey, seqKey, entitiesKey = base .. 'items', base .. 'seqs', base .. 'seq', base .. 'entities'
local function pendingKey(entity) return base .. 'e:' .. entity .. ':pending' end
local function headKey(entity) return base .. 'e:' .. entity .. ':head' end
`;

/** Values per item of the enqueue script. */
export const ENQUEUE_ARITY = 7;

/**
 * KEYS: lane base, queue key prefix. ARGV: one or more items of ENQUEUE_ARITY values each: taskId,
 * entityId, force, traceparent, encoded entity id, timestamp, nonce. Returns, per item in order: -1 if
 * already queued, -2 if deferred (the epoch is missing: Redis lost its data and the lanes are not
 * rebuilt yet, so taking the item now would put it ahead of older items of its entity), the seq if
 * the item became head (its job is added), else 0. `force` ('1') is the rebuild.
 *
 * Several items per call because a burst of submissions (Promise.all over a round in bench:queue, a
 * deploy to many environments) otherwise costs one EVALSHA each: Redis's per-script overhead and
 * ioredis's per-command work were a measurable part of the engine's cost per job (see fifo-store.ts).
 */
const ENQUEUE = `${LANE_KEYS}${ADD_HEAD_JOB_LUA}
local function enqueueOne(taskId, entity, force, traceparent, encodedEntity, timestamp, nonce)
  if redis.call('HSETNX', itemsKey, taskId, entity) == 0 then return -1 end
  if force ~= '1' and redis.call('EXISTS', base .. 'epoch') == 0 then
    redis.call('HDEL', itemsKey, taskId)
    redis.call('RPUSH', base .. 'deferred', cjson.encode({taskId, entity}))
    return -2
  end
  local seq = redis.call('INCR', seqKey)
  redis.call('HSET', seqsKey, taskId, seq)
  redis.call('RPUSH', pendingKey(entity), taskId)
  -- An entity with a head is in the set already (it leaves it with its last item).
  if redis.call('SET', headKey(entity), taskId, 'NX') then
    redis.call('SADD', entitiesKey, entity)
    addHeadJob(KEYS[2], encodedEntity, timestamp, entity, taskId, seq, traceparent, nonce)
    return seq
  end
  return 0
end
local out = {}
for i = 1, #ARGV, ${ENQUEUE_ARITY} do
  out[#out + 1] = enqueueOne(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
end
return out
`;

/** KEYS: lane base. ARGV: taskId, seq, entityId. 1 when this exact item (same enqueue) is its entity's head. */
const IS_HEAD = `${LANE_KEYS}
if redis.call('GET', headKey(ARGV[3])) ~= ARGV[1] then return 0 end
if redis.call('HGET', seqsKey, ARGV[1]) ~= ARGV[2] then return 0 end
return 1
`;

/**
 * KEYS: lane base, queue key prefix. ARGV: taskId, seq, entityId, lockToken, encoded entity id,
 * timestamp, nonce. Pops the head and makes the next item head, adding its job. With a token, only while
 * that delivery still holds its job's lock (BullMQ's `<job key>:lock`): if it stalled (lock expired)
 * and BullMQ gave the job to another delivery, that one owns the head now. Returns false when the
 * item is no longer head (stale) or the lock is lost, {} when the entity is now empty, else
 * {nextTaskId, nextSeq}.
 */
const POP_HEAD = `${LANE_KEYS}${ADD_HEAD_JOB_LUA}
if ARGV[4] ~= '' and redis.call('GET', KEYS[2] .. ARGV[5] .. '.' .. ARGV[2] .. ':lock') ~= ARGV[4] then
  return false
end
local head = headKey(ARGV[3])
if redis.call('GET', head) ~= ARGV[1] then return false end
if redis.call('HGET', seqsKey, ARGV[1]) ~= ARGV[2] then return false end
local pending = pendingKey(ARGV[3])
redis.call('LREM', pending, 1, ARGV[1])
redis.call('HDEL', itemsKey, ARGV[1])
redis.call('HDEL', seqsKey, ARGV[1])
local nextId = redis.call('LINDEX', pending, 0)
if nextId then
  redis.call('SET', head, nextId)
  local nextSeq = redis.call('HGET', seqsKey, nextId)
  addHeadJob(KEYS[2], ARGV[5], ARGV[6], ARGV[3], nextId, nextSeq, '', ARGV[7])
  return {nextId, nextSeq}
end
redis.call('DEL', head)
redis.call('SREM', entitiesKey, ARGV[3])
return {}
`;

/**
 * KEYS: lane base. ARGV: taskId, entityId. Removes a waiting item behind the head: 1 removed, 0 not
 * queued, -1 it is the head.
 */
const REMOVE_WAITING = `${LANE_KEYS}
if redis.call('HEXISTS', itemsKey, ARGV[1]) == 0 then return 0 end
if redis.call('GET', headKey(ARGV[2])) == ARGV[1] then return -1 end
redis.call('LREM', pendingKey(ARGV[2]), 1, ARGV[1])
redis.call('HDEL', itemsKey, ARGV[1])
redis.call('HDEL', seqsKey, ARGV[1])
return 1
`;

/** KEYS: lane base. Returns {entity, head, seq, ...} for every entity with a head. */
const HEADS = `${LANE_KEYS}
local out = {}
for _, entity in ipairs(redis.call('SMEMBERS', entitiesKey)) do
  local head = redis.call('GET', headKey(entity))
  if head then
    out[#out + 1] = entity
    out[#out + 1] = head
    out[#out + 1] = redis.call('HGET', seqsKey, head) or ''
  end
end
return out
`;

/**
 * KEYS: lane base. ARGV: epoch value. Appends the deferred items to their lanes in the order they
 * came (skipping those already queued), sets the epoch and empties the deferred list, atomically: no
 * enqueue can slip between. Returns {entity, taskId, seq, ...} of the items that became heads.
 */
const RESTORE_EPOCH = `${LANE_KEYS}
local out = {}
local deferred = base .. 'deferred'
for _, raw in ipairs(redis.call('LRANGE', deferred, 0, -1)) do
  local item = cjson.decode(raw)
  local taskId, entity = item[1], item[2]
  if redis.call('HEXISTS', itemsKey, taskId) == 0 then
    local seq = redis.call('INCR', seqKey)
    redis.call('HSET', itemsKey, taskId, entity)
    redis.call('HSET', seqsKey, taskId, seq)
    redis.call('RPUSH', pendingKey(entity), taskId)
    redis.call('SADD', entitiesKey, entity)
    if redis.call('SET', headKey(entity), taskId, 'NX') then
      out[#out + 1] = entity
      out[#out + 1] = taskId
      out[#out + 1] = tostring(seq)
    end
  end
end
redis.call('SET', base .. 'epoch', ARGV[1])
redis.call('DEL', deferred)
return out
`;

export const SCRIPTS = {
  enqueue: { lua: ENQUEUE, numberOfKeys: 2 },
  isHead: { lua: IS_HEAD, numberOfKeys: 1 },
  popHead: { lua: POP_HEAD, numberOfKeys: 2 },
  removeWaiting: { lua: REMOVE_WAITING, numberOfKeys: 1 },
  heads: { lua: HEADS, numberOfKeys: 1 },
  restoreEpoch: { lua: RESTORE_EPOCH, numberOfKeys: 1 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
