/**
 * A whole bazaar in this test process, reached through its HTTP app: every
 * module on the memory bus and stores, or on Redis Streams with Redis stores,
 * or on NATS JetStream with Redis stores.
 *
 * @module
 */
import type { Bus } from "../bus/types.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import { createLogger, silentLogger } from "../lib/logger.ts";
import { MODULE_NAMES, type ModuleName } from "../lib/module.ts";
import { type Settings, testSettings } from "../lib/settings.ts";
import { type BazaarProcess, startProcess } from "../app/process.ts";
import { serviceUrl, uniqueName } from "./services.ts";
import { deleteKeys } from "./bus/redis_cleanup.ts";
import { deleteNamespace } from "./bus/nats_cleanup.ts";
import { type Call, httpCaller } from "./http_client.ts";
import { gatedBus, type Gates } from "./gated_bus.ts";
import { Shop } from "./shop.ts";

export type { Reply, RequestOptions } from "./http_client.ts";

export type Setup = "memory" | "redis" | "nats";

export interface TestSystem {
  setup: Setup;
  process: BazaarProcess;
  settings: Settings;
  admin: string;
  keyPrefix: string;
  namespace: string;
  call: Call;
  stop(): Promise<void>;
}

/** Whether a setup can run here (its servers are configured). */
export function setupAvailable(setup: Setup): boolean {
  if (setup === "memory") return true;
  if (serviceUrl("REDIS_URL") === null) return false;
  return setup === "redis" || serviceUrl("NATS_URL") !== null;
}

export interface SystemOptions {
  settings?: Partial<Settings>;
  modules?: readonly ModuleName[];
  wrapBus?: (bus: Bus) => Bus;
  namespace?: string;
  keyPrefix?: string;
  /** Another Redis than REDIS_URL (a database of the test's own, say). */
  redisUrl?: string;
  /** Another NATS than NATS_URL (a private cluster, say): the "nats" setup's bus. */
  natsUrl?: string;
  /** Leave the keys and streams behind (a test that inspects them cleans up itself). */
  keep?: boolean;
}

export async function startSystem(
  setup: Setup,
  options: SystemOptions = {},
): Promise<TestSystem> {
  const settings = testSettings(options.settings);
  const namespace = options.namespace ?? uniqueName("ns");
  const keyPrefix = options.keyPrefix ?? (setup === "memory" ? "" : `${uniqueName("k")}:`);
  const redisUrl = setup === "memory" ? null : options.redisUrl ?? serviceUrl("REDIS_URL");
  const busUrl = setup === "memory"
    ? `memory://${namespace}`
    : setup === "redis"
    ? redisUrl!
    : options.natsUrl ?? serviceUrl("NATS_URL")!;
  const debug = Deno.env.get("TEST_LOG") === "1";
  const process = await startProcess({
    modules: options.modules ?? MODULE_NAMES,
    busUrl,
    namespace,
    store: setup === "memory" ? "memory" : "redis",
    redisUrl,
    keyPrefix,
    settings,
    log: debug ? createLogger("debug") : silentLogger,
    wrapBus: options.wrapBus,
  });
  const call = httpCaller((path, init) => process.app.request(path, init));
  return {
    setup,
    process,
    settings,
    admin: settings.adminToken!,
    keyPrefix,
    namespace,
    call,
    stop: async () => {
      await process.stop(2_000);
      if (options.keep) return;
      if (redisUrl) {
        await deleteKeys(redisUrl, [
          new RedisKeys(namespace).prefix,
          ...(keyPrefix ? [keyPrefix] : []),
        ]);
      }
      if (setup === "nats") await deleteNamespace(busUrl, namespace);
    },
  };
}

/**
 * Runs `body` on a fresh system whose bus is gated (nothing is held until
 * `gates.hold` is called), with a shop over it; stops the system however
 * `body` ends.
 */
export async function withSystem(
  setup: Setup,
  body: (system: TestSystem, shop: Shop, gates: Gates) => Promise<void>,
  options: Omit<SystemOptions, "wrapBus"> = {},
): Promise<void> {
  let gates!: Gates;
  const system = await startSystem(setup, {
    ...options,
    wrapBus: (bus) => (gates = gatedBus(bus)).bus,
  });
  try {
    await body(system, new Shop(system), gates);
  } finally {
    await system.stop();
  }
}
