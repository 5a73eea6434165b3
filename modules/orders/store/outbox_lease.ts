/**
 * One relay at a time per Redis outbox. Every orders process shares the
 * `orders:outbox` stream; without a lease each process's relay would read the
 * same entries and publish them all again (harmless to idempotent consumers,
 * but every event twice or more). The process holding the lease relays; the
 * others see an empty outbox until it lapses (the holder died) or is released
 * (the holder stopped).
 *
 * @module
 */
import type { Redis } from "ioredis";
import type { Outbox, OutboxEntry } from "../../../lib/outbox.ts";
import { LuaScript } from "./redis_scripts.ts";

/** How long a silent holder keeps the lease; it renews on every look at the outbox. */
export const LEASE_MS = 3_000;

/** KEYS: lease. ARGV: owner, lease ms. 1 when `owner` holds the lease now. */
const HOLD = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`);

/** KEYS: lease. ARGV: owner. */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export class LeasedOutbox implements Outbox {
  readonly #owner = crypto.randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly inner: Outbox,
    private readonly leaseKey: string,
    private readonly leaseMs = LEASE_MS,
  ) {}

  async peek(limit: number): Promise<OutboxEntry[]> {
    const held = await HOLD.run(this.redis, [this.leaseKey], [this.#owner, this.leaseMs]);
    return held === 1 ? await this.inner.peek(limit) : [];
  }

  remove(keys: string[]): Promise<void> {
    return this.inner.remove(keys);
  }

  /** Hands the lease on at once, so another process relays without waiting for it to lapse. */
  async release(): Promise<void> {
    await RELEASE.run(this.redis, [this.leaseKey], [this.#owner]);
  }
}
