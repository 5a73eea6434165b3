/**
 * Lua for the catalog writes on Redis. Each script is one atomic step over
 * the module's keys, built from the key prefix in ARGV[1] (every inventory key
 * starts with it, so the scripts never reach another module's data).
 *
 * Product hash fields: doc (JSON: name, sku, description, tags, featured), seq, price,
 * stock, reserved, sold, received, likes, sku, tag_keys (JSON), revision,
 * created_at, updated_at. Numbers are decimal strings written by TypeScript, so prices
 * pass through Lua untouched and never lose precision.
 *
 * Indexes: `products` (every product by seq), `tag:<key>` and `featured` (the
 * products listed under a tag, or featured, by seq), `tags` (a sorted set of tag
 * keys by how many products carry them) with `tag_names` (each key's first
 * spelling), and `together:<id>` (other products by how often they were bought
 * with this one, counted by the commit script).
 *
 * @module
 */

/** Helpers every script starts with. */
export const PRELUDE = `
local P = ARGV[1]
local function k(...) return P .. table.concat({...}, ':') end
local function q(text) return cjson.encode(text) end
-- An outbox entry: TypeScript built the envelope's head (type, source, time,
-- correlation, causation, traceparent); the data is only known here.
local function emit(id, head, data)
  redis.call('XADD', k('outbox'), '*', 'e', '{"id":' .. q(id) .. ',' .. head .. ',"data":' .. data .. '}')
end
-- The tag tally: a tag leaves the list with the last product that carried it.
local function tag_added(key, spelling)
  redis.call('ZINCRBY', k('tags'), 1, key)
  redis.call('HSETNX', k('tag_names'), key, spelling)
end
local function tag_removed(key)
  if tonumber(redis.call('ZINCRBY', k('tags'), -1, key)) <= 0 then
    redis.call('ZREM', k('tags'), key)
    redis.call('HDEL', k('tag_names'), key)
  end
end
-- The indexes a product document puts it in (tag keys come in ARGV from start on,
-- in the order of the doc's tags).
local function index(id, seq, doc, start)
  for i = start, #ARGV do
    redis.call('ZADD', k('tag', ARGV[i]), seq, id)
    tag_added(ARGV[i], doc.tags[i - start + 1])
  end
  if doc.featured then
    redis.call('ZADD', k('featured'), seq, id)
  else
    redis.call('ZREM', k('featured'), id)
  end
end
local function unindex(id, tag_keys)
  for _, tag in ipairs(cjson.decode(tag_keys)) do
    redis.call('ZREM', k('tag', tag), id)
    tag_removed(tag)
  end
  redis.call('ZREM', k('featured'), id)
end
`;

/**
 * ARGV: prefix, id, now, sku ('' for none), price, stock, doc, tag_keys JSON,
 * saved id, saved head, saved data, tag keys…
 */
export const CREATE_PRODUCT = `${PRELUDE}
local id, now, sku = ARGV[2], ARGV[3], ARGV[4]
if sku ~= '' and not redis.call('SET', k('sku', sku), id, 'NX') then return 0 end
local seq = redis.call('INCR', k('seq'))
redis.call('HSET', k('product', id), 'doc', ARGV[7], 'seq', seq, 'price', ARGV[5],
  'stock', ARGV[6], 'reserved', 0, 'sold', 0, 'received', ARGV[6], 'likes', 0,
  'sku', sku, 'tag_keys', ARGV[8], 'revision', 1, 'created_at', now, 'updated_at', now)
redis.call('ZADD', k('products'), seq, id)
index(id, seq, cjson.decode(ARGV[7]), 12)
emit(ARGV[9], ARGV[10], ARGV[11])
return seq
`;

/**
 * Compare-and-set: the patch was applied in TypeScript to the doc read before,
 * so a doc changed since then means "read again and retry" (-1). A rename
 * (known from the doc) or a new price emits product_saved; its price and
 * revision are only known here, so the script completes the data TypeScript
 * began (a JSON object with the other fields).
 * ARGV: prefix, id, now, expected doc, new doc, price ('' = unchanged), tag_keys JSON,
 * saved id, saved head, saved data so far, '1' when renamed, tag keys…
 */
export const UPDATE_PRODUCT = `${PRELUDE}
local id = ARGV[2]
local key = k('product', id)
local doc = redis.call('HGET', key, 'doc')
if not doc then return 0 end
if doc ~= ARGV[4] then return -1 end
local seq = redis.call('HGET', key, 'seq')
unindex(id, redis.call('HGET', key, 'tag_keys'))
index(id, seq, cjson.decode(ARGV[5]), 12)
redis.call('HSET', key, 'doc', ARGV[5], 'tag_keys', ARGV[7], 'updated_at', ARGV[3])
local before = redis.call('HGET', key, 'price')
if ARGV[6] ~= '' then redis.call('HSET', key, 'price', ARGV[6]) end
local revision = redis.call('HINCRBY', key, 'revision', 1)
if ARGV[11] == '1' or (ARGV[6] ~= '' and ARGV[6] ~= before) then
  local facts = ARGV[10]
  emit(ARGV[8], ARGV[9], string.sub(facts, 1, -2) .. ',"price":' .. redis.call('HGET', key, 'price') ..
    ',"revision":' .. revision .. '}')
end
return 1
`;

/** ARGV: prefix, id, quantity, now. Returns the product's hash, or nil when unknown. */
export const RESTOCK = `${PRELUDE}
local key = k('product', ARGV[2])
if redis.call('EXISTS', key) == 0 then return false end
redis.call('HINCRBY', key, 'stock', ARGV[3])
redis.call('HINCRBY', key, 'received', ARGV[3])
redis.call('HSET', key, 'updated_at', ARGV[4])
return redis.call('HGETALL', key)
`;

/** ARGV: prefix, product id, customer id. Returns the like count, or -1 when unknown. */
export const LIKE = `${PRELUDE}
local key = k('product', ARGV[2])
if redis.call('EXISTS', key) == 0 then return -1 end
if redis.call('SADD', k('likers', ARGV[2]), ARGV[3]) == 1 then
  return redis.call('HINCRBY', key, 'likes', 1)
end
return tonumber(redis.call('HGET', key, 'likes'))
`;

/**
 * Deletes a product. Every held reservation containing it is lost: its other
 * lines go back to stock, and the order hears reservation_lost; committed
 * reservations keep their sale. The lost events' ids are derived from one
 * base id, since how many there are is only known here.
 * ARGV: prefix, id, now, lost base id, lost head, deleted id, deleted head.
 * Returns the lost order ids, or nil when the product is unknown.
 */
export const DELETE_PRODUCT = `${PRELUDE}
local pid, now = ARGV[2], ARGV[3]
local key = k('product', pid)
if redis.call('EXISTS', key) == 0 then return false end
local orders = redis.call('SMEMBERS', k('holds', pid))
table.sort(orders)
for i, order in ipairs(orders) do
  local rkey = k('reservation', order)
  for _, line in ipairs(cjson.decode(redis.call('HGET', rkey, 'lines'))) do
    redis.call('SREM', k('holds', line.product_id), order)
    if line.product_id ~= pid then
      local other = k('product', line.product_id)
      redis.call('HINCRBY', other, 'reserved', -line.quantity)
      redis.call('HINCRBY', other, 'stock', line.quantity)
    end
  end
  redis.call('HSET', rkey, 'state', 'lost', 'product_id', pid, 'updated_at', now)
  emit(ARGV[4] .. '.' .. i, ARGV[5], '{"order_id":' .. q(order) .. ',"product_id":' .. q(pid) .. '}')
end
local sku = redis.call('HGET', key, 'sku')
if sku and sku ~= '' and redis.call('GET', k('sku', sku)) == pid then redis.call('DEL', k('sku', sku)) end
unindex(pid, redis.call('HGET', key, 'tag_keys'))
for _, other in ipairs(redis.call('ZRANGE', k('together', pid), 0, -1)) do
  redis.call('ZREM', k('together', other), pid)
end
redis.call('ZREM', k('products'), pid)
redis.call('DEL', key, k('holds', pid), k('likers', pid), k('together', pid))
emit(ARGV[6], ARGV[7], '{"product_id":' .. q(pid) .. '}')
return orders
`;
