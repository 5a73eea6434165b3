/**
 * The Lua scripts that make each Redis write atomic: the order, its indexes,
 * its idempotency key and its events in one step, and every change a
 * compare-and-set on the stored version. Every key a script touches is in its
 * KEYS (the store names them all), under the module's hash tag (`{orders}`), so
 * each call's keys share one Redis Cluster slot; the change channel a write
 * announces on is not a key.
 *
 * @module
 */
import { LuaScript } from "../../../lib/redis_script.ts";
import { isTerminal, ORDER_STATUSES, type OrderStatus } from "../domain/order.ts";

/**
 * Where an order is listed by status: the in-flight index holds every order not yet
 * terminal (few: they leave it within their step deadlines), each terminal status has
 * its own. UPDATE_ORDER's KEYS hold them from FIRST_INDEX_KEY on, in this order.
 */
export const INDEXES = ["inflight", ...ORDER_STATUSES.filter(isTerminal)] as const;
export type IndexName = typeof INDEXES[number];

export function indexOf(status: OrderStatus): IndexName {
  return isTerminal(status) ? status as IndexName : "inflight";
}

const FIRST_INDEX_KEY = 4;
/** Lua: each status to the KEYS position of its index. */
const INDEX_KEY = `{ ${
  ORDER_STATUSES.map((status) =>
    `${status} = ${FIRST_INDEX_KEY + INDEXES.indexOf(indexOf(status))}`
  ).join(", ")
} }`;
/** Then the stream of each event. */
const FIRST_STREAM_KEY = FIRST_INDEX_KEY + INDEXES.length;

/**
 * KEYS: order, customer index, the index of its status, deadlines, moves, [idempotency key,]
 *       then the stream of each envelope
 * ARGV: id, stored value, created (ms), deadline (ms or ""), status, idempotency record,
 *       idempotency TTL (ms), "1" with an idempotency key (else "0"), envelope…
 * Returns the earlier idempotency record when the key was taken, else nil.
 */
export const CREATE_ORDER = new LuaScript(`
local streams = 6
if ARGV[8] == '1' then
  local earlier = redis.call('GET', KEYS[6])
  if earlier then return earlier end
  redis.call('SET', KEYS[6], ARGV[6], 'PX', ARGV[7])
  streams = 7
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1]) end
redis.call('HINCRBY', KEYS[5], '+' .. ARGV[5], 1)
for i = 9, #ARGV do redis.call('XADD', KEYS[streams + i - 9], '*', 'e', ARGV[i]) end
return false
`);

/**
 * The moves hash counts each way into and through the statuses: `+<status>` for an
 * order stored in it, `<from>><to>` for a move, so a status's count is what went in
 * less what left; a move costs one increment.
 *
 * KEYS: order, deadlines, moves, then each index (INDEXES order), then the stream of each
 *       envelope
 * ARGV: id, expected version, stored value (the next version), its status, deadline (ms or
 *       ""), created (ms), change channel ('' to announce nothing), change message, envelope…
 * Returns 0 when the stored version was not the expected one, else 1 + how many
 * subscribers heard the announcement.
 */
export const UPDATE_ORDER = new LuaScript(`
local index_key = ${INDEX_KEY}
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local version, previous = string.match(stored, '^(%d+) (%a+) ')
if version ~= ARGV[2] then return 0 end
local id, status = ARGV[1], ARGV[4]
redis.call('SET', KEYS[1], ARGV[3])
if ARGV[5] == '' then
  redis.call('ZREM', KEYS[2], id)
else
  redis.call('ZADD', KEYS[2], ARGV[5], id)
end
if previous ~= status then
  redis.call('HINCRBY', KEYS[3], previous .. '>' .. status, 1)
  local from, to = index_key[previous], index_key[status]
  if from ~= to then
    redis.call('ZREM', KEYS[from], id)
    redis.call('ZADD', KEYS[to], ARGV[6], id)
  end
end
for i = 9, #ARGV do
  redis.call('XADD', KEYS[${FIRST_STREAM_KEY} + i - 9], '*', 'e', ARGV[i])
end
if ARGV[7] == '' then return 1 end
return 1 + redis.call('PUBLISH', ARGV[7], ARGV[8])
`);

/**
 * An order read as a script, for REDIS_WAIT_REPLICAS: LuaScript.run follows it with a
 * fence write and WAIT, so the read counts only once a replica has every write it saw.
 *
 * KEYS: order. Returns the stored value, or nil.
 */
export const READ_CONFIRMED = new LuaScript(`return redis.call('GET', KEYS[1])`);
