/**
 * Lua for the catalog writes on Redis. Each script is one atomic step over
 * the module's keys, every one of them declared in KEYS (the store names them;
 * no script builds a key), so each runs unchanged where keys are checked: on a
 * Redis Cluster every key carries the module's hash tag (`{inventory}`), one slot.
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
local function q(text) return cjson.encode(text) end
-- An event, appended to \`stream\` (its KEYS entry: a bus stream or the outbox).
-- TypeScript built the envelope's head (type, source, time, correlation,
-- causation, traceparent); the data is only known here.
local function emit(stream, id, head, data)
  redis.call('XADD', stream, '*', 'e', '{"id":' .. q(id) .. ',' .. head .. ',"data":' .. data .. '}')
end
-- The tag tally (\`tags\`, \`names\`): a tag leaves it with the last product that carried it.
local function tag_added(tags, names, key, spelling)
  redis.call('ZINCRBY', tags, 1, key)
  redis.call('HSETNX', names, key, spelling)
end
local function tag_removed(tags, names, key)
  if tonumber(redis.call('ZINCRBY', tags, -1, key)) <= 0 then
    redis.call('ZREM', tags, key)
    redis.call('HDEL', names, key)
  end
end
`;

/** Reading and writing a reservation's string (KEYS[1] in every script but deletion's). */
export const RESERVATION = `
-- The stored string (nil for none), then its fields.
local function read(key)
  local stored = redis.call('GET', key or KEYS[1])
  if not stored then return nil end
  return stored, string.match(stored, '^(%a+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$')
end
local function write(state, created, updated, reason, product_id, lines, key)
  local stored = table.concat({ state, created, updated, reason or '', product_id or '',
    lines or '[]' }, '\t')
  redis.call('SET', key or KEYS[1], stored)
  return stored
end
`;

/**
 * KEYS: product, seq, products, featured, tags, tag_names, sku (unused without one), the
 * saved event's stream, then tag:<key> for each tag.
 * ARGV: id, now, sku ('' for none), price, stock, doc, tag_keys JSON, saved id, saved head,
 * saved data, then each tag key (in the doc's tag order).
 * Returns the product's seq, or 0 when the sku is taken.
 */
export const CREATE_PRODUCT = `${PRELUDE}
local id, now, sku = ARGV[1], ARGV[2], ARGV[3]
if sku ~= '' and not redis.call('SET', KEYS[7], id, 'NX') then return 0 end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'doc', ARGV[6], 'seq', seq, 'price', ARGV[4],
  'stock', ARGV[5], 'reserved', 0, 'sold', 0, 'received', ARGV[5], 'likes', 0,
  'sku', sku, 'tag_keys', ARGV[7], 'revision', 1, 'created_at', now, 'updated_at', now)
redis.call('ZADD', KEYS[3], seq, id)
local doc = cjson.decode(ARGV[6])
for i = 11, #ARGV do
  redis.call('ZADD', KEYS[i - 2], seq, id)
  tag_added(KEYS[5], KEYS[6], ARGV[i], doc.tags[i - 10])
end
if doc.featured then redis.call('ZADD', KEYS[4], seq, id) end
emit(KEYS[8], ARGV[8], ARGV[9], ARGV[10])
return seq
`;

/**
 * Compare-and-set: the patch was applied in TypeScript to the doc read before,
 * so a doc changed since then means "read again and retry" (-1); the tags the
 * store passes as before are that doc's. A rename (known from the doc) or a new
 * price emits product_saved; its price and revision are only known here, so the
 * script completes the data TypeScript began (a JSON object with the other fields).
 * KEYS: product, featured, tags, tag_names, the saved event's stream, then tag:<key> for each
 * tag before, then for each tag after.
 * ARGV: id, now, expected doc, new doc, price ('' = unchanged), new tag_keys JSON, saved id,
 * saved head, saved data so far, '1' when renamed, how many tags before, the tag keys
 * before, the tag keys after.
 */
export const UPDATE_PRODUCT = `${PRELUDE}
local id, key = ARGV[1], KEYS[1]
local doc = redis.call('HGET', key, 'doc')
if not doc then return 0 end
if doc ~= ARGV[3] then return -1 end
local seq = redis.call('HGET', key, 'seq')
local before = tonumber(ARGV[11])
for i = 1, before do
  redis.call('ZREM', KEYS[5 + i], id)
  tag_removed(KEYS[3], KEYS[4], ARGV[11 + i])
end
redis.call('ZREM', KEYS[2], id)
local new = cjson.decode(ARGV[4])
for i = 1, #ARGV - 11 - before do
  redis.call('ZADD', KEYS[5 + before + i], seq, id)
  tag_added(KEYS[3], KEYS[4], ARGV[11 + before + i], new.tags[i])
end
if new.featured then redis.call('ZADD', KEYS[2], seq, id) end
redis.call('HSET', key, 'doc', ARGV[4], 'tag_keys', ARGV[6], 'updated_at', ARGV[2])
local price = redis.call('HGET', key, 'price')
if ARGV[5] ~= '' then redis.call('HSET', key, 'price', ARGV[5]) end
local revision = redis.call('HINCRBY', key, 'revision', 1)
if ARGV[10] == '1' or (ARGV[5] ~= '' and ARGV[5] ~= price) then
  local facts = ARGV[9]
  emit(KEYS[5], ARGV[7], ARGV[8], string.sub(facts, 1, -2) .. ',"price":' ..
    (ARGV[5] ~= '' and ARGV[5] or price) .. ',"revision":' .. revision .. '}')
end
return 1
`;

/** KEYS: product. ARGV: quantity, now. Returns the product's hash, or nil when unknown. */
export const RESTOCK = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return false end
redis.call('HINCRBY', key, 'stock', ARGV[1])
redis.call('HINCRBY', key, 'received', ARGV[1])
redis.call('HSET', key, 'updated_at', ARGV[2])
return redis.call('HGETALL', key)
`;

/** KEYS: product, its likers. ARGV: customer id. Returns the like count, or -1 when unknown. */
export const LIKE = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  return redis.call('HINCRBY', key, 'likes', 1)
end
return tonumber(redis.call('HGET', key, 'likes'))
`;

/**
 * Deletes a product. Every held reservation containing it is lost: its other
 * lines go back to stock, and the order hears reservation_lost; committed
 * reservations keep their sale. The lost events' ids are derived from one
 * base id, since how many there are is only known here.
 *
 * The store read first what the deletion touches (the product's sku and tags,
 * the orders holding it and their lines, the products bought with it) and names
 * every key; should any of that have changed since, nothing is written and the
 * store reads again ('retry').
 * KEYS: product, holds, products, featured, tags, tag_names, likers, together, sku (unused
 * without one), the lost events' stream, the deleted event's stream, then tag:<key> per
 * tag, then together:<other> per product bought with it, then for each holding order its
 * reservation followed by the product and holds key of each of its lines.
 * ARGV: id, now (epoch ms), lost base id, lost head, deleted id, deleted head, sku as read ('' none),
 * tag_keys as read, how many tags, how many bought with it, how many holding orders, then
 * the tag keys, the products bought with it (ZRANGE order), and for each holding order
 * (sorted) its id and its lines as read.
 * Returns the lost order ids, nil when the product is unknown, or 'retry'.
 */
export const DELETE_PRODUCT = `${PRELUDE}${RESERVATION}
local pid, now = ARGV[1], ARGV[2]
local key = KEYS[1]
local n_tags, n_together, n_orders = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local sku, tag_keys = unpack(redis.call('HMGET', key, 'sku', 'tag_keys'))
if not tag_keys then return false end
if (sku or '') ~= ARGV[7] or tag_keys ~= ARGV[8] then return 'retry' end
local together = redis.call('ZRANGE', KEYS[8], 0, -1)
if #together ~= n_together then return 'retry' end
for i, other in ipairs(together) do
  if other ~= ARGV[11 + n_tags + i] then return 'retry' end
end
local holders = redis.call('SMEMBERS', KEYS[2])
table.sort(holders)
if #holders ~= n_orders then return 'retry' end
local a = 11 + n_tags + n_together
local k = 11 + n_tags + n_together
local orders = {}
for i = 1, n_orders do
  local order, lines = ARGV[a + 1], ARGV[a + 2]
  a = a + 2
  local _, _, created, _, reason, _, stored_lines = read(KEYS[k + 1])
  if holders[i] ~= order or stored_lines ~= lines then return 'retry' end
  orders[i] = {
    order = order, rkey = KEYS[k + 1], lines = cjson.decode(lines), first = k + 2,
    text = lines, created = created, reason = reason,
  }
  k = k + 1 + 2 * #orders[i].lines
end
for i, held in ipairs(orders) do
  for j, line in ipairs(held.lines) do
    local product, holds = KEYS[held.first + 2 * (j - 1)], KEYS[held.first + 2 * (j - 1) + 1]
    redis.call('SREM', holds, held.order)
    if line.product_id ~= pid then
      redis.call('HINCRBY', product, 'reserved', -line.quantity)
      redis.call('HINCRBY', product, 'stock', line.quantity)
    end
  end
  write('lost', held.created, now, held.reason, pid, held.text, held.rkey)
  emit(KEYS[10], ARGV[3] .. '.' .. i, ARGV[4],
    '{"order_id":' .. q(held.order) .. ',"product_id":' .. q(pid) .. '}')
end
if ARGV[7] ~= '' and redis.call('GET', KEYS[9]) == pid then redis.call('DEL', KEYS[9]) end
for i = 1, n_tags do
  redis.call('ZREM', KEYS[11 + i], pid)
  tag_removed(KEYS[5], KEYS[6], ARGV[11 + i])
end
redis.call('ZREM', KEYS[4], pid)
for i = 1, n_together do redis.call('ZREM', KEYS[11 + n_tags + i], pid) end
redis.call('ZREM', KEYS[3], pid)
redis.call('DEL', key, KEYS[2], KEYS[7], KEYS[8])
emit(KEYS[11], ARGV[5], ARGV[6], '{"product_id":' .. q(pid) .. '}')
return holders
`;
