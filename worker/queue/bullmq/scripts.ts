/**
 * The FIFO layer's Lua scripts. Each one is atomic on Redis, which is what keeps one head per entity
 * across any number of worker processes. KEYS: items, seqs, seq, entities, pending(entity), head(entity).
 */

/**
 * KEYS[7]: epoch, KEYS[8]: deferred. ARGV: taskId, entityId, force. Returns -1 if already queued, -2
 * if deferred (the epoch is missing: Redis lost its data and the lanes are not rebuilt yet, so taking
 * the item now would put it ahead of older items of its entity), the seq if the item became head,
 * else 0. `force` ('1') is the rebuild itself.
 */
const ENQUEUE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return -1 end
if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[7]) == 0 then
  redis.call('RPUSH', KEYS[8], cjson.encode({ARGV[1], ARGV[2]}))
  return -2
end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], seq)
redis.call('RPUSH', KEYS[5], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
if redis.call('SET', KEYS[6], ARGV[1], 'NX') then return seq end
return 0
`;

/** ARGV: taskId, seq. 1 when this exact item (same enqueue) is its entity's head. */
const IS_HEAD = `
if redis.call('GET', KEYS[6]) ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
return 1
`;

/**
 * ARGV: taskId, seq, entityId, lockToken. KEYS[7]: the BullMQ lock key of the head's job. Pops the
 * head and makes the next item head. With a token, only while that delivery still holds the job's
 * lock: if it stalled (lock expired) and BullMQ gave the job to another delivery, that one owns the
 * head now. Returns false when the item is no longer head (stale) or the lock is lost, {} when the
 * entity is now empty, else {nextTaskId, nextSeq}.
 */
const POP_HEAD = `
if ARGV[4] ~= '' and redis.call('GET', KEYS[7]) ~= ARGV[4] then return false end
if redis.call('GET', KEYS[6]) ~= ARGV[1] then return false end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return false end
redis.call('LREM', KEYS[5], 1, ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local nextId = redis.call('LINDEX', KEYS[5], 0)
if nextId then
  redis.call('SET', KEYS[6], nextId)
  return {nextId, redis.call('HGET', KEYS[2], nextId)}
end
redis.call('DEL', KEYS[6])
redis.call('SREM', KEYS[4], ARGV[3])
return {}
`;

/** ARGV: taskId. Removes a waiting item behind the head: 1 removed, 0 not queued, -1 it is the head. */
const REMOVE_WAITING = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('GET', KEYS[6]) == ARGV[1] then return -1 end
redis.call('LREM', KEYS[5], 1, ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

/** No keys beyond the first four. Returns {entity, head, seq, ...} for every entity with a head. */
const HEADS = `
local out = {}
for _, entity in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local head = redis.call('GET', ARGV[1] .. entity .. ':head')
  if head then
    out[#out + 1] = entity
    out[#out + 1] = head
    out[#out + 1] = redis.call('HGET', KEYS[2], head) or ''
  end
end
return out
`;

/**
 * KEYS: items, seqs, seq, entities, epoch, deferred. ARGV: epoch value, entity key base. Appends the
 * deferred items to their lanes in the order they came (skipping those already queued), sets the
 * epoch and empties the deferred list, atomically: no enqueue can slip between. Returns {entity,
 * taskId, seq, ...} of the items that became heads.
 */
const RESTORE_EPOCH = `
local out = {}
for _, raw in ipairs(redis.call('LRANGE', KEYS[6], 0, -1)) do
  local item = cjson.decode(raw)
  local taskId, entity = item[1], item[2]
  if redis.call('HEXISTS', KEYS[1], taskId) == 0 then
    local seq = redis.call('INCR', KEYS[3])
    redis.call('HSET', KEYS[1], taskId, entity)
    redis.call('HSET', KEYS[2], taskId, seq)
    redis.call('RPUSH', ARGV[2] .. entity .. ':pending', taskId)
    redis.call('SADD', KEYS[4], entity)
    if redis.call('SET', ARGV[2] .. entity .. ':head', taskId, 'NX') then
      out[#out + 1] = entity
      out[#out + 1] = taskId
      out[#out + 1] = tostring(seq)
    end
  end
end
redis.call('SET', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[6])
return out
`;

// Every script takes the six lane keys; popHead also the BullMQ lock key of the delivery.
export const SCRIPTS = {
  enqueue: { lua: ENQUEUE, numberOfKeys: 8 },
  isHead: { lua: IS_HEAD, numberOfKeys: 6 },
  popHead: { lua: POP_HEAD, numberOfKeys: 7 },
  removeWaiting: { lua: REMOVE_WAITING, numberOfKeys: 6 },
  heads: { lua: HEADS, numberOfKeys: 6 },
  restoreEpoch: { lua: RESTORE_EPOCH, numberOfKeys: 6 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
