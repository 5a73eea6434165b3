import { serviceUrl } from "../../../testing/services.ts";
import { redisStoreHarness } from "../../../testing/store_suite.ts";
import { runStoreConformance } from "../../../testing/modules/inventory/store_conformance.ts";
import { RedisInventoryStore } from "./redis.ts";

runStoreConformance(
  redisStoreHarness(serviceUrl("REDIS_URL"), ({ redis, keyPrefix, connect }) => ({
    store: new RedisInventoryStore(redis, keyPrefix),
    peer: async () => new RedisInventoryStore(await connect(), keyPrefix),
  })),
);
