/**
 * Turns a bus URL into an adapter: `memory:` (or `memory://name`),
 * `redis://…` / `rediss://…` (a Redis Cluster: `redis+cluster://h1:p1,h2:p2`
 * / `rediss+cluster://…`), `nats://…`.
 *
 * @module
 */
import type { Bus } from "./types.ts";
import type { BusConfig, BusKind } from "./config.ts";
import { MemoryBus } from "./memory/bus.ts";
import { RedisBus } from "./redis/bus.ts";
import { NatsBus } from "./nats/bus.ts";

export { BUS_KINDS, type BusConfig, type BusKind } from "./config.ts";

/** Which adapter a URL names; throws a RangeError with the offending URL otherwise. */
export function busKindOf(url: string): BusKind {
  const scheme = url.split(":", 1)[0]?.toLowerCase();
  switch (scheme) {
    case "memory":
      return "memory";
    case "redis":
    case "rediss":
    case "redis+cluster":
    case "rediss+cluster":
      return "redis";
    case "nats":
    case "tls":
      return "nats";
    default:
      throw new RangeError(
        `Bus URL "${url}" must start with memory:, redis://, rediss://, redis+cluster://, ` +
          "rediss+cluster:// or nats://",
      );
  }
}

export async function createBus(url: string, config: BusConfig): Promise<Bus> {
  switch (busKindOf(url)) {
    case "memory":
      return new MemoryBus(url, config);
    case "redis":
      return await RedisBus.connect(url, config);
    case "nats":
      return await NatsBus.connect(url, config);
  }
}
