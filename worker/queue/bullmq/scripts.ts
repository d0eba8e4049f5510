import { ADD_HEAD_JOB_LUA } from "./head-job";
import { REQUEUED_SUFFIX } from "./keys";

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
-- A lane entry is a task id, or (a head's task queued once more behind it, see requeueHead) the task
-- id with REQUEUED_SUFFIX. An entry's seqs value is its seq, with '+' when its task waits behind it.
local requeuedSuffix = '${REQUEUED_SUFFIX}'
local function seqOf(value) if value and string.byte(value, -1) == ${"+".charCodeAt(0)} then return string.sub(value, 1, -2) end return value end
local function otherEntry(entry, taskId) if entry == taskId then return taskId .. requeuedSuffix end return taskId end
-- keys.ts's taskIdOfEntry; the byte is compared first, so a plain id makes no string.
local function taskIdOf(entry)
  local suffixAt = #entry - #requeuedSuffix + 1
  if suffixAt > 1 and string.byte(entry, suffixAt) == ${REQUEUED_SUFFIX.charCodeAt(0)} and string.sub(entry, suffixAt) == requeuedSuffix then
    return string.sub(entry, 1, suffixAt - 1)
  end
  return entry
end
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
 * An item already queued is a no-op (-1) while it waits. As its entity's head (running, or about to
 * run) it is queued once more (0), at the back, as a second entry (requeueHead): its task went back
 * to queued while that delivery finishes (a retry right after a failure), and the delivery's pop is
 * about to drop the item. Its own entry keeps items[taskId]; the head's seq gets a '+' so the pop
 * knows (no extra read on the common path).
 *
 * Several items per call because a burst of submissions (Promise.all over a round in bench:queue, a
 * deploy to many environments) otherwise costs one EVALSHA each: Redis's per-script overhead and
 * ioredis's per-command work were a measurable part of the engine's cost per job (see fifo-store.ts).
 */
const ENQUEUE = `${LANE_KEYS}${ADD_HEAD_JOB_LUA}
local function requeueHead(taskId, entity)
  local head = redis.call('GET', headKey(entity))
  if head ~= taskId and head ~= taskId .. requeuedSuffix then return -1 end
  local headSeq = redis.call('HGET', seqsKey, head)
  if not headSeq or seqOf(headSeq) ~= headSeq then return -1 end
  redis.call('HSET', seqsKey, head, headSeq .. '+')
  local entry = otherEntry(head, taskId)
  redis.call('HSET', seqsKey, entry, redis.call('INCR', seqKey))
  redis.call('RPUSH', pendingKey(entity), entry)
  return 0
end
local function enqueueOne(taskId, entity, force, traceparent, encodedEntity, timestamp, nonce)
  if redis.call('HSETNX', itemsKey, taskId, entity) == 0 then return requeueHead(taskId, entity) end
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

/** KEYS: lane base. ARGV: entry, seq, entityId. 1 when this exact item (same enqueue) is its entity's head. */
const IS_HEAD = `${LANE_KEYS}
if redis.call('GET', headKey(ARGV[3])) ~= ARGV[1] then return 0 end
if seqOf(redis.call('HGET', seqsKey, ARGV[1])) ~= ARGV[2] then return 0 end
return 1
`;

/**
 * KEYS: lane base, queue key prefix. ARGV: entry, seq, entityId, lockToken, encoded entity id,
 * timestamp, nonce. Pops the head and makes the next item head, adding its job. With a token, only while
 * that delivery still holds its job's lock (BullMQ's `<job key>:lock`): if it stalled (lock expired)
 * and BullMQ gave the job to another delivery, that one owns the head now. Returns false when the
 * item is no longer head (stale) or the lock is lost, {} when the entity is now empty, else
 * {nextEntry, nextSeq}. A head whose task was queued again behind it ('+') leaves its task queued.
 */
const POP_HEAD = `${LANE_KEYS}${ADD_HEAD_JOB_LUA}
if ARGV[4] ~= '' and redis.call('GET', KEYS[2] .. ARGV[5] .. '.' .. ARGV[2] .. ':lock') ~= ARGV[4] then
  return false
end
local head = headKey(ARGV[3])
if redis.call('GET', head) ~= ARGV[1] then return false end
local headSeq = redis.call('HGET', seqsKey, ARGV[1])
local seq = seqOf(headSeq)
if seq ~= ARGV[2] then return false end
local pending = pendingKey(ARGV[3])
redis.call('LREM', pending, 1, ARGV[1])
redis.call('HDEL', seqsKey, ARGV[1])
-- Unmarked: the task leaves the queue (its items field is the plain id).
if seq == headSeq then redis.call('HDEL', itemsKey, taskIdOf(ARGV[1])) end
local nextId = redis.call('LINDEX', pending, 0)
if nextId then
  redis.call('SET', head, nextId)
  local nextSeq = seqOf(redis.call('HGET', seqsKey, nextId))
  addHeadJob(KEYS[2], ARGV[5], ARGV[6], ARGV[3], nextId, nextSeq, '', ARGV[7])
  return {nextId, nextSeq}
end
redis.call('DEL', head)
redis.call('SREM', entitiesKey, ARGV[3])
return {}
`;

/**
 * KEYS: lane base. ARGV: taskId, entityId. Removes a waiting item behind the head: 1 removed, 0 not
 * queued, -1 it is the head. Of a head queued again behind itself, the entry behind goes (1).
 */
const REMOVE_WAITING = `${LANE_KEYS}
if redis.call('HEXISTS', itemsKey, ARGV[1]) == 0 then return 0 end
local pending = pendingKey(ARGV[2])
local copy = ARGV[1] .. requeuedSuffix
local head = redis.call('GET', headKey(ARGV[2]))
if head == ARGV[1] or head == copy then
  local headSeq = redis.call('HGET', seqsKey, head)
  if not headSeq or seqOf(headSeq) == headSeq then return -1 end
  local entry = otherEntry(head, ARGV[1])
  redis.call('LREM', pending, -1, entry)
  redis.call('HDEL', seqsKey, entry)
  redis.call('HSET', seqsKey, head, seqOf(headSeq))
  return 1
end
-- Waiting behind another task's head: one entry, plain or (its first delivery popped) the copy.
redis.call('LREM', pending, 1, ARGV[1])
redis.call('LREM', pending, 1, copy)
redis.call('HDEL', itemsKey, ARGV[1])
redis.call('HDEL', seqsKey, ARGV[1], copy)
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
    out[#out + 1] = seqOf(redis.call('HGET', seqsKey, head)) or ''
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
