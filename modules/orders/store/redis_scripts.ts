/**
 * The Lua scripts that make each Redis write atomic: the order, its indexes,
 * its idempotency key and its outbox events in one step, and every change a
 * compare-and-set on the stored version. All keys a script touches share the
 * module's prefix (on a Redis Cluster they would need one hash tag).
 *
 * @module
 */
import { LuaScript } from "../../../lib/redis_script.ts";
import { ORDER_STATUSES } from "../domain/order.ts";

/** UPDATE_ORDER's KEYS from here on: one status index per status, in ORDER_STATUSES order. */
const FIRST_STATUS_KEY = 5;
const STATUS_KEYS = `{ ${
  ORDER_STATUSES.map((status, i) => `${status} = ${FIRST_STATUS_KEY + i}`).join(", ")
} }`;

/**
 * KEYS: order, customer index, recent index, deadlines, outbox, counts, index of its
 *       status[, idempotency key]
 * ARGV: id, version, status, doc, created (ms), deadline (ms or ""), idempotency record,
 *       idempotency TTL (ms), envelope…
 * Returns the earlier idempotency record when the key was taken, else nil.
 */
export const CREATE_ORDER = new LuaScript(`
if #KEYS == 8 then
  local earlier = redis.call('GET', KEYS[8])
  if earlier then return earlier end
  redis.call('SET', KEYS[8], ARGV[7], 'PX', ARGV[8])
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3], 'doc', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[5], ARGV[1])
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1]) end
redis.call('HINCRBY', KEYS[6], ARGV[3], 1)
for i = 9, #ARGV do redis.call('XADD', KEYS[5], '*', 'e', ARGV[i]) end
return false
`);

/**
 * KEYS: order, deadlines, outbox, counts, then the index of each status (ORDER_STATUSES order)
 * ARGV: id, expected version, new version, new status, doc, deadline (ms or ""), created (ms),
 *       envelope…
 * Returns 1 when written, 0 when the stored version was not the expected one.
 */
export const UPDATE_ORDER = new LuaScript(`
local status_key = ${STATUS_KEYS}
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[2] then return 0 end
local previous = redis.call('HGET', KEYS[1], 's')
redis.call('HSET', KEYS[1], 'v', ARGV[3], 's', ARGV[4], 'doc', ARGV[5])
if ARGV[6] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
end
if previous ~= ARGV[4] then
  redis.call('HINCRBY', KEYS[4], previous, -1)
  redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
  redis.call('ZREM', KEYS[status_key[previous]], ARGV[1])
  redis.call('ZADD', KEYS[status_key[ARGV[4]]], ARGV[7], ARGV[1])
end
for i = 8, #ARGV do redis.call('XADD', KEYS[3], '*', 'e', ARGV[i]) end
return 1
`);
