import { Redis } from "ioredis";
import { runBusConformance } from "../../testing/bus/conformance.ts";
import { serviceUrl } from "../../testing/services.ts";
import { RedisBus } from "./bus.ts";
import { deleteKeys } from "../../testing/bus/redis_cleanup.ts";
import { RedisKeys } from "./keys.ts";

const url = serviceUrl("REDIS_URL");
const namespaces = new Set<string>();

function create(
  source: string,
  namespace: string,
  config?: { retention?: number; retentionMs?: number },
): Promise<RedisBus> {
  namespaces.add(namespace);
  return RedisBus.connect(url!, { source, namespace, ...config });
}

async function injectRaw(namespace: string, type: string, raw: string): Promise<void> {
  const redis = new Redis(url!);
  try {
    await redis.xadd(new RedisKeys(namespace).stream(type), "*", "e", raw);
  } finally {
    await redis.quit();
  }
}

runBusConformance({ name: "redis", available: url !== null, create, injectRaw });

// Last in the file, so every bus of the suite is closed by now.
Deno.test({
  name: "redis bus: the suite's namespaces are deleted",
  ignore: url === null,
  fn: async () => {
    await deleteKeys(url!, [...namespaces].map((ns) => new RedisKeys(ns).prefix));
  },
});
