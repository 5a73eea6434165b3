/**
 * Lua for an order's reservation on Redis: one script per saga step, each
 * reading the state, changing every counter and appending its answer to the
 * bus (or the outbox) atomically, so two concurrent orders can never oversell
 * and a redelivered request can never hold, sell or return stock twice. The
 * rules are those of `domain/reservation.ts`; the store conformance suite
 * checks that the two agree.
 *
 * Every key is declared in KEYS. Committing or releasing touches the products
 * of the reservation's lines, which only the reservation knows: the store
 * passes the lines it believes the reservation holds (it made it, or read
 * them), the script checks them, and when they are not the stored ones
 * answers `{'lines', <stored lines>}` without writing, for the store to call
 * again with those lines' keys.
 *
 * A reservation is one string: state, created and updated (epoch ms), reason,
 * product id, then the lines (the JSON of the stock_reserved lines, built once
 * here and reused verbatim), tab-separated (no id or reason holds a tab).
 * Every script answers with the reservation as it left it (nil when there is
 * none), from what it read and wrote rather than read again.
 *
 * @module
 */
import { PRELUDE, RESERVATION } from "./redis_scripts.ts";

/**
 * KEYS: reservation, the reserved event's stream, the rejected event's stream, then for each
 * merged line its product and its holds set.
 * ARGV: order id, now (ms), max line quantity, reserved id, reserved head, rejected id, rejected
 * head, then product id and quantity for each merged line.
 * Returns the reservation.
 */
export const RESERVE = `${PRELUDE}${RESERVATION}
local order, now, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local function reserved(lines)
  emit(KEYS[2], ARGV[4], ARGV[5], '{"order_id":' .. q(order) .. ',"lines":' .. lines .. '}')
end
local function rejected(reason, pid)
  emit(KEYS[3], ARGV[6], ARGV[7], '{"order_id":' .. q(order) .. ',"reason":' .. q(reason) ..
    ',"product_id":' .. q(pid) .. '}')
end
local stored, state, _, _, reason, product_id, lines = read()
if stored then
  -- A redelivery: the same answer while it stands, never a second hold.
  if state == 'held' then
    reserved(lines)
  elseif state == 'rejected' then
    rejected(reason, product_id)
  end
  return stored
end
local lines = {}
for i = 8, #ARGV, 2 do
  local at = 4 + (i - 8)
  lines[#lines + 1] = {
    pid = ARGV[i], text = ARGV[i + 1], qty = tonumber(ARGV[i + 1]),
    key = KEYS[at], holds = KEYS[at + 1],
  }
end
local function reject(reason, pid)
  rejected(reason, pid)
  return write('rejected', now, now, reason, pid, '[]')
end
for _, line in ipairs(lines) do
  local stock, reserved, price = unpack(redis.call('HMGET', line.key, 'stock', 'reserved', 'price'))
  if not price then return reject('unknown_product', line.pid) end
  line.stock, line.reserved, line.price = tonumber(stock), tonumber(reserved), price
end
for _, line in ipairs(lines) do
  if line.qty > max or line.stock < line.qty then return reject('out_of_stock', line.pid) end
end
local parts = {}
for i, line in ipairs(lines) do
  -- Integers below 2^53 (TypeScript's), exact in a Lua double and in %d.
  redis.call('HSET', line.key, 'stock', string.format('%d', line.stock - line.qty),
    'reserved', string.format('%d', line.reserved + line.qty))
  redis.call('SADD', line.holds, order)
  parts[i] = '{"product_id":' .. q(line.pid) .. ',"quantity":' .. line.text ..
    ',"unit_price":' .. line.price .. '}'
end
local json = '[' .. table.concat(parts, ',') .. ']'
reserved(json)
return write('held', now, now, nil, nil, json)
`;

/** Reads the reservation for commit and release: its fields, and whether ARGV[5]'s lines are its. */
const READ = `
local stored, state, created, _, reason, product_id, lines = read()
local function known() return lines == ARGV[5] end
`;

/**
 * KEYS: reservation, the committed event's stream, the failed event's stream, then for each
 * line (as the store believes them) its product, its holds set and its together set.
 * ARGV: order id, now (ms), committed id and head, lines as the store believes them ('' unknown),
 * failed id and head.
 * Returns the reservation (nil when the order has none), or {'lines', stored lines} when
 * those are not the ones believed.
 */
export const COMMIT = `${PRELUDE}${RESERVATION}
local order, now = ARGV[1], ARGV[2]
${READ}
local function committed() emit(KEYS[2], ARGV[3], ARGV[4], '{"order_id":' .. q(order) .. '}') end
local function failed(why)
  emit(KEYS[3], ARGV[6], ARGV[7], '{"order_id":' .. q(order) .. ',"reason":' .. q(why) .. '}')
end
if state == 'held' then
  if not known() then return { 'lines', lines } end
  local parsed = cjson.decode(lines)
  for i, line in ipairs(parsed) do
    local at = 4 + 3 * (i - 1)
    redis.call('HINCRBY', KEYS[at], 'reserved', -line.quantity)
    redis.call('HINCRBY', KEYS[at], 'sold', line.quantity)
    redis.call('SREM', KEYS[at + 1], order)
  end
  -- Bought together: counted here, with the state change, so a redelivered
  -- commit (state committed) never counts the order twice.
  for i = 1, #parsed do
    for j = i + 1, #parsed do
      redis.call('ZINCRBY', KEYS[4 + 3 * (i - 1) + 2], 1, parsed[j].product_id)
      redis.call('ZINCRBY', KEYS[4 + 3 * (j - 1) + 2], 1, parsed[i].product_id)
    end
  end
  committed()
  return write('committed', created, now, reason, product_id, lines)
elseif state == 'committed' then
  committed()
elseif state == 'lost' or not state then
  failed('reservation_lost')
else
  failed('reservation_released')
end
return stored or false
`;

/**
 * KEYS: reservation, the released event's stream, then for each line (as the store believes
 * them) its product and its holds set.
 * ARGV: order id, now (ms), released id and head, lines as the store believes them ('' unknown).
 * Returns the reservation, or {'lines', stored lines} as COMMIT does.
 */
export const RELEASE = `${PRELUDE}${RESERVATION}
local order, now = ARGV[1], ARGV[2]
${READ}
local returned = false
local answer
if not state then
  -- Released before it was reserved: the tombstone refuses a late order.placed.
  answer = write('released', now, now, nil, nil, '[]')
elseif state == 'held' then
  if not known() then return { 'lines', lines } end
  for i, line in ipairs(cjson.decode(lines)) do
    local at = 3 + 2 * (i - 1)
    redis.call('HINCRBY', KEYS[at], 'reserved', -line.quantity)
    redis.call('HINCRBY', KEYS[at], 'stock', line.quantity)
    redis.call('SREM', KEYS[at + 1], order)
  end
  answer = write('released', created, now, reason, product_id, lines)
elseif state == 'committed' then
  if not known() then return { 'lines', lines } end
  for i, line in ipairs(cjson.decode(lines)) do
    local key = KEYS[3 + 2 * (i - 1)]
    -- A product deleted since the sale has no shelf to return to.
    if redis.call('EXISTS', key) == 1 then
      redis.call('HINCRBY', key, 'sold', -line.quantity)
      redis.call('HINCRBY', key, 'stock', line.quantity)
    end
  end
  returned = true
  answer = write('returned', created, now, reason, product_id, lines)
elseif state == 'returned' then
  returned = true
end
emit(KEYS[2], ARGV[3], ARGV[4], '{"order_id":' .. q(order) .. ',"returned":' ..
  tostring(returned) .. '}')
return answer or stored
`;
