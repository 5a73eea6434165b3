/**
 * The Lua scripts that make messaging's changes atomic on Redis. Every key a
 * script touches is in its KEYS, under the module's hash tag (`{messaging}`: a
 * notification is indexed in shared sets), so one call's keys share a Redis
 * Cluster slot.
 *
 * @module
 */
import { LuaScript } from "../../../lib/redis_script.ts";

/**
 * KEYS: the order's notifications (kind → id: the exactly-once guard), notification,
 * all index, customer index, delivery queue, invoice, invoice counter, the created
 * event's stream.
 * ARGV: notification id, kind, stored notification, created (ms), invoice doc ('' for
 * none), created event.
 * Returns 1 when recorded, 0 when the (order, kind) already had one.
 */
export const recordNotificationScript = new LuaScript(`
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
if ARGV[5] ~= '' then
  local n = redis.call('INCR', KEYS[7])
  redis.call('SET', KEYS[6], string.format('INV-%06d', n) .. ' ' .. ARGV[5])
end
redis.call('XADD', KEYS[8], '*', 'e', ARGV[6])
return 1
`);

/**
 * KEYS: delivery queue. ARGV: now (ms), lease end (ms), limit.
 * Returns the claimed notification ids.
 */
export const claimDeliveriesScript = new LuaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return ids
`);

/**
 * KEYS: delivery queue, notification. ARGV: id, status, attempts, error, retry at (ms;
 * for 'pending'). A notification no longer pending is left alone: a worker whose lease
 * ran out must not undo the one that took over.
 */
export const settleDeliveryScript = new LuaScript(`
local stored = redis.call('GET', KEYS[2])
if not stored then return 0 end
local status, doc = string.match(stored, '^(%a+) %d+ ([^\\n]*)')
if status ~= 'pending' then return 0 end
redis.call('SET', KEYS[2], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. doc .. '\\n' .. ARGV[4])
if ARGV[2] == 'pending' then
  redis.call('ZADD', KEYS[1], 'XX', ARGV[5], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
`);

/**
 * KEYS: product hash. ARGV: name, revision. Keeps the name unless the hash
 * holds the same or a higher revision. Returns 1 when kept.
 */
export const saveProductNameScript = new LuaScript(`
local known = tonumber(redis.call('HGET', KEYS[1], 'revision') or '0')
if known >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'revision', ARGV[2])
return 1
`);
