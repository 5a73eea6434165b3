/**
 * The Lua scripts that make messaging's changes atomic on Redis.
 *
 * @module
 */
import { LuaScript } from "../../../lib/redis_script.ts";

/**
 * KEYS: once guard, notification hash, all index, customer index, order index,
 * delivery queue, invoice hash, invoice counter, the created event's stream.
 * ARGV: notification id, notification JSON, created (ms), status, invoice JSON
 * ('' for none), created event.
 * Returns 1 when recorded, 0 when the (order, kind) already had one.
 */
export const recordNotificationScript = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('HSET', KEYS[2], 'doc', ARGV[2], 'status', ARGV[4], 'attempts', '0', 'last_error', '')
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[1])
if ARGV[5] ~= '' then
  local n = redis.call('INCR', KEYS[8])
  redis.call('HSET', KEYS[7], 'doc', ARGV[5], 'number', string.format('INV-%06d', n))
end
redis.call('XADD', KEYS[9], '*', 'e', ARGV[6])
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
 * KEYS: delivery queue, notification hash. ARGV: id, status, attempts, error,
 * retry at (ms; for 'pending'). A notification no longer pending is left alone:
 * a worker whose lease ran out must not undo the one that took over.
 */
export const settleDeliveryScript = new LuaScript(`
if redis.call('HGET', KEYS[2], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[2], 'status', ARGV[2], 'attempts', ARGV[3], 'last_error', ARGV[4])
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
