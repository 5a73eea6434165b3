/**
 * The Lua scripts that make each accounts change atomic on Redis, the outbox
 * XADD included. They mirror `domain/rules.ts`; the store conformance suite
 * holds both implementations to the same behaviour.
 *
 * Amounts travel as decimal strings and are compared with `tonumber`, which is
 * exact for every integer up to Number.MAX_SAFE_INTEGER (a Lua double).
 *
 * @module
 */
import { LuaScript } from "../../../lib/redis_script.ts";

/**
 * KEYS: email index, customer hash, ledger list, the registered event's stream, listing index.
 * ARGV: id, name, email, created_at, balance, registered event, password hash
 * ("" for none), listing member, ledger lines….
 * Returns 1, or 0 when the email is taken.
 */
export const createCustomerScript = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'name', ARGV[2], 'email', ARGV[3],
  'created_at', ARGV[4], 'balance', ARGV[5])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[2], 'password_hash', ARGV[7]) end
redis.call('ZADD', KEYS[5], 0, ARGV[8])
for i = 9, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
redis.call('XADD', KEYS[4], '*', 'e', ARGV[6])
return 1
`);

/**
 * KEYS: customer hash, ledger list. ARGV: amount, ledger line, largest balance.
 * Returns the new balance, -1 for an unknown customer, -2 when it would overflow.
 */
export const depositScript = new LuaScript(`
local balance = redis.call('HGET', KEYS[1], 'balance')
if not balance then return -1 end
if tonumber(balance) + tonumber(ARGV[1]) > tonumber(ARGV[3]) then return -2 end
local after = redis.call('HINCRBY', KEYS[1], 'balance', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
return after
`);

/**
 * KEYS: payment hash, customer hash, ledger list, then the stream of each event:
 * succeeded, insufficient_funds, unknown_customer, voided.
 * ARGV: order_id, customer_id, amount, at (epoch ms), charge ledger line, then the events
 * in that order.
 * Returns the PaymentOutcome.
 */
export const takePaymentScript = new LuaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if status then
  if status == 'voided' then
    redis.call('XADD', KEYS[7], '*', 'e', ARGV[9])
    return 'voided'
  end
  return 'duplicate'
end
local function refuse(reason, stream, event)
  redis.call('HSET', KEYS[1], 'customer_id', ARGV[2], 'amount', ARGV[3], 'status', 'failed',
    'reason', reason, 'at', ARGV[4])
  redis.call('XADD', stream, '*', 'e', event)
  return reason
end
local balance = redis.call('HGET', KEYS[2], 'balance')
if not balance then return refuse('unknown_customer', KEYS[6], ARGV[8]) end
if tonumber(balance) < tonumber(ARGV[3]) then
  return refuse('insufficient_funds', KEYS[5], ARGV[7])
end
redis.call('HINCRBY', KEYS[2], 'balance', '-' .. ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[1], 'customer_id', ARGV[2], 'amount', ARGV[3], 'status', 'charged',
  'at', ARGV[4])
redis.call('XADD', KEYS[4], '*', 'e', ARGV[6])
return 'charged'
`);

/**
 * KEYS: payment hash, customer hash (of the charge), ledger list, the refunded event's stream.
 * ARGV: what the caller saw ('charged' or 'none'), order_id, customer_id, at (epoch ms),
 * refund ledger line, refunded event.
 * Returns the RefundOutcome, or 'retry' when the record changed since the
 * caller read it (the caller reads again and rebuilds its arguments).
 */
export const refundPaymentScript = new LuaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  if ARGV[1] ~= 'none' then return 'retry' end
  redis.call('HSET', KEYS[1], 'customer_id', ARGV[3], 'amount', '0', 'status', 'voided',
    'at', ARGV[4])
  return 'voided'
end
if status ~= 'charged' then return 'nothing_to_refund' end
if ARGV[1] ~= 'charged' then return 'retry' end
redis.call('HINCRBY', KEYS[2], 'balance', redis.call('HGET', KEYS[1], 'amount'))
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[1], 'status', 'refunded', 'refunded_at', ARGV[4])
redis.call('XADD', KEYS[4], '*', 'e', ARGV[6])
return 'refunded'
`);
