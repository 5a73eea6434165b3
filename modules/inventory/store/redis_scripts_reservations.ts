/**
 * Lua for an order's reservation on Redis: one script per saga step, each
 * reading the state, changing every counter and appending its answer to the
 * outbox atomically, so two concurrent orders can never oversell and a
 * redelivered request can never hold, sell or return stock twice. The rules
 * are those of `domain/reservation.ts`; the store conformance suite checks
 * that the two agree.
 *
 * Reservation hash fields: state, lines (the JSON of the stock_reserved
 * lines, built once here and reused verbatim), reason, product_id,
 * created_at, updated_at.
 *
 * @module
 */
import { PRELUDE } from "./redis_scripts.ts";

/**
 * ARGV: prefix, order id, now, max line quantity, reserved id, reserved head,
 * rejected id, rejected head, then product id and quantity for each merged line.
 * Returns the reservation's hash.
 */
export const RESERVE = `${PRELUDE}
local order, now, max = ARGV[2], ARGV[3], tonumber(ARGV[4])
local rkey = k('reservation', order)
local function reserved(lines)
  emit(ARGV[5], ARGV[6], '{"order_id":' .. q(order) .. ',"lines":' .. lines .. '}')
end
local function rejected(reason, pid)
  emit(ARGV[7], ARGV[8], '{"order_id":' .. q(order) .. ',"reason":' .. q(reason) ..
    ',"product_id":' .. q(pid) .. '}')
end
local state = redis.call('HGET', rkey, 'state')
if state then
  -- A redelivery: the same answer while it stands, never a second hold.
  if state == 'held' then
    reserved(redis.call('HGET', rkey, 'lines'))
  elseif state == 'rejected' then
    rejected(redis.call('HGET', rkey, 'reason'), redis.call('HGET', rkey, 'product_id'))
  end
  return redis.call('HGETALL', rkey)
end
local lines = {}
for i = 9, #ARGV, 2 do
  lines[#lines + 1] = { pid = ARGV[i], text = ARGV[i + 1], qty = tonumber(ARGV[i + 1]) }
end
local function reject(reason, pid)
  redis.call('HSET', rkey, 'state', 'rejected', 'lines', '[]', 'reason', reason,
    'product_id', pid, 'created_at', now, 'updated_at', now)
  rejected(reason, pid)
  return redis.call('HGETALL', rkey)
end
for _, line in ipairs(lines) do
  if redis.call('EXISTS', k('product', line.pid)) == 0 then
    return reject('unknown_product', line.pid)
  end
end
for _, line in ipairs(lines) do
  local stock = tonumber(redis.call('HGET', k('product', line.pid), 'stock'))
  if line.qty > max or stock < line.qty then return reject('out_of_stock', line.pid) end
end
local parts = {}
for i, line in ipairs(lines) do
  local key = k('product', line.pid)
  redis.call('HINCRBY', key, 'stock', -line.qty)
  redis.call('HINCRBY', key, 'reserved', line.qty)
  redis.call('SADD', k('holds', line.pid), order)
  parts[i] = '{"product_id":' .. q(line.pid) .. ',"quantity":' .. line.text ..
    ',"unit_price":' .. redis.call('HGET', key, 'price') .. '}'
end
local json = '[' .. table.concat(parts, ',') .. ']'
redis.call('HSET', rkey, 'state', 'held', 'lines', json, 'created_at', now, 'updated_at', now)
reserved(json)
return redis.call('HGETALL', rkey)
`;

/**
 * ARGV: prefix, order id, now, committed id, committed head, failed id, failed head.
 * Returns the reservation's hash (empty when the order has none).
 */
export const COMMIT = `${PRELUDE}
local order, now = ARGV[2], ARGV[3]
local rkey = k('reservation', order)
local state = redis.call('HGET', rkey, 'state')
local function committed() emit(ARGV[4], ARGV[5], '{"order_id":' .. q(order) .. '}') end
local function failed(reason)
  emit(ARGV[6], ARGV[7], '{"order_id":' .. q(order) .. ',"reason":' .. q(reason) .. '}')
end
if state == 'held' then
  local lines = cjson.decode(redis.call('HGET', rkey, 'lines'))
  for _, line in ipairs(lines) do
    local key = k('product', line.product_id)
    redis.call('HINCRBY', key, 'reserved', -line.quantity)
    redis.call('HINCRBY', key, 'sold', line.quantity)
    redis.call('SREM', k('holds', line.product_id), order)
  end
  -- Bought together: counted here, with the state change, so a redelivered
  -- commit (state committed) never counts the order twice.
  for i = 1, #lines do
    for j = i + 1, #lines do
      local a, b = lines[i].product_id, lines[j].product_id
      redis.call('ZINCRBY', k('together', a), 1, b)
      redis.call('ZINCRBY', k('together', b), 1, a)
    end
  end
  redis.call('HSET', rkey, 'state', 'committed', 'updated_at', now)
  committed()
elseif state == 'committed' then
  committed()
elseif state == 'lost' or not state then
  failed('reservation_lost')
else
  failed('reservation_released')
end
return redis.call('HGETALL', rkey)
`;

/**
 * ARGV: prefix, order id, now, released id, released head.
 * Returns the reservation's hash.
 */
export const RELEASE = `${PRELUDE}
local order, now = ARGV[2], ARGV[3]
local rkey = k('reservation', order)
local state = redis.call('HGET', rkey, 'state')
local returned = false
if not state then
  -- Released before it was reserved: the tombstone refuses a late order.placed.
  redis.call('HSET', rkey, 'state', 'released', 'lines', '[]', 'created_at', now, 'updated_at', now)
elseif state == 'held' then
  for _, line in ipairs(cjson.decode(redis.call('HGET', rkey, 'lines'))) do
    local key = k('product', line.product_id)
    redis.call('HINCRBY', key, 'reserved', -line.quantity)
    redis.call('HINCRBY', key, 'stock', line.quantity)
    redis.call('SREM', k('holds', line.product_id), order)
  end
  redis.call('HSET', rkey, 'state', 'released', 'updated_at', now)
elseif state == 'committed' then
  for _, line in ipairs(cjson.decode(redis.call('HGET', rkey, 'lines'))) do
    local key = k('product', line.product_id)
    -- A product deleted since the sale has no shelf to return to.
    if redis.call('EXISTS', key) == 1 then
      redis.call('HINCRBY', key, 'sold', -line.quantity)
      redis.call('HINCRBY', key, 'stock', line.quantity)
    end
  end
  redis.call('HSET', rkey, 'state', 'returned', 'updated_at', now)
  returned = true
elseif state == 'returned' then
  returned = true
end
emit(ARGV[4], ARGV[5], '{"order_id":' .. q(order) .. ',"returned":' .. tostring(returned) .. '}')
return redis.call('HGETALL', rkey)
`;
