/**
 * Each module owns its keyspace: after a saga on Redis (bus and stores), every
 * key in the database belongs to exactly one module's prefix, or to the bus's,
 * and every key a module wrote hashes to one Redis Cluster slot (its hash tag,
 * `{<module>}`; the bus's, `{<namespace>}`), so its scripts, pipelines and
 * MULTIs run unchanged on a cluster. The test has a Redis database of its own, so nothing else writes
 * there and the module prefixes are the production ones (no test key prefix).
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { DATA_MODULE_NAMES, moduleKeyPrefix } from "../lib/module.ts";
import { keySlot } from "../testing/key_slot.ts";
import { serviceUrl, uniqueName } from "../testing/services.ts";
import { Shop } from "../testing/shop.ts";
import { startSystem } from "../testing/system.ts";
import { deleteKeysWith } from "../testing/bus/redis_cleanup.ts";

const base = serviceUrl("REDIS_URL");
const KEYSPACE_DB = "13";

Deno.test({
  name: "every key the saga writes on Redis belongs to exactly one module (or the bus)",
  ignore: base === null,
  async fn() {
    const url = new URL(base!);
    url.pathname = `/${KEYSPACE_DB}`;
    const namespace = uniqueName("ks");
    const system = await startSystem("redis", {
      redisUrl: url.href,
      keyPrefix: "",
      namespace,
      keep: true,
    });
    const redis = new Redis(url.href);
    const modules = DATA_MODULE_NAMES.map((module) => ({
      module,
      prefix: moduleKeyPrefix("", module),
    }));
    const bus = `bus:{${namespace}}:`;
    const owners = [...modules.map(({ prefix }) => prefix), bus];
    try {
      const shop = new Shop(system);
      const product = await shop.product(5, 100);
      const rich = await shop.customer(10_000);
      const poor = await shop.customer(10);
      const confirmed = await shop.order(rich, [{ product_id: product, quantity: 2 }]);
      assert.equal(confirmed.status, "confirmed");
      assert.equal(
        (await shop.order(poor, [{ product_id: product, quantity: 1 }])).status,
        "rejected",
      );
      await system.call("POST", `/orders/${confirmed.id}/cancel`, { token: rich.token });
      await system.call("POST", `/inventory/products/${product}/likes`, { token: rich.token });
      await shop.assertInvariants();

      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      const stray = keys.filter((key) => owners.filter((p) => key.startsWith(p)).length !== 1);
      assert.deepEqual(stray, [], `keys outside every module's prefix: ${stray.join(", ")}`);
      for (const { module: owner, prefix } of [...modules, { module: "the bus", prefix: bus }]) {
        const own = keys.filter((key) => key.startsWith(prefix));
        assert.ok(own.length > 0, `${owner} wrote keys`);
        const slots = new Set(own.map(keySlot));
        assert.equal(slots.size, 1, `${owner}'s keys hash to one slot: ${[...slots].join(", ")}`);
      }
    } finally {
      await system.stop();
      for (const prefix of owners) await deleteKeysWith(redis, prefix);
      await redis.quit();
    }
  },
});
