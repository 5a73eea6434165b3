/**
 * Limits failures (wrong passwords, wrong admin tokens) per key in fixed
 * windows: the first failure of a key opens its window, and a key with
 * `limit` failures in its window is refused until the window ends.
 *
 * An attempt claims its failure up front, on all its keys at once, and hands
 * it back when it succeeds: however many attempts race, no more than `limit`
 * per key and window are ever let through to the slow check they guard.
 *
 * @module
 */
import type { RedisClient } from "./redis_client.ts";
import { LuaScript } from "./redis_script.ts";

export interface FailureLimit {
  /** Failures allowed per key in one window. */
  limit: number;
  windowMs: number;
}

export interface FailureLimiter {
  /**
   * Null when the attempt may go ahead (counted as a failure on every key
   * until `forgive`); otherwise the ms until every key over its limit may try again.
   */
  claim(keys: readonly string[], limit: FailureLimit): Promise<number | null>;
  /** Hands back the failure a successful attempt claimed. */
  forgive(keys: readonly string[]): Promise<void>;
}

interface Window {
  failures: number;
  endsAt: number;
}

/** Past this many keys, claims sweep out the windows that have ended (at most once a second). */
const SWEEP_AT = 10_000;
const SWEEP_EVERY_MS = 1_000;

/** Counts in this process only (tests, the memory store, a process's own admin sign-in). */
export class MemoryFailureLimiter implements FailureLimiter {
  readonly #windows = new Map<string, Window>();
  #nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  claim(keys: readonly string[], { limit, windowMs }: FailureLimit): Promise<number | null> {
    const now = this.now();
    if (this.#windows.size > SWEEP_AT && now >= this.#nextSweep) this.#sweep(now);
    let wait = 0;
    for (const key of keys) {
      const window = this.#open(key, now);
      if (window && window.failures >= limit) wait = Math.max(wait, window.endsAt - now);
    }
    if (wait > 0) return Promise.resolve(wait);
    for (const key of keys) {
      const window = this.#open(key, now);
      if (window) window.failures++;
      else this.#windows.set(key, { failures: 1, endsAt: now + windowMs });
    }
    return Promise.resolve(null);
  }

  forgive(keys: readonly string[]): Promise<void> {
    const now = this.now();
    for (const key of keys) {
      const window = this.#open(key, now);
      if (window && --window.failures <= 0) this.#windows.delete(key);
    }
    return Promise.resolve();
  }

  /** The key's window while it lasts. */
  #open(key: string, now: number): Window | null {
    const window = this.#windows.get(key);
    if (!window) return null;
    if (window.endsAt > now) return window;
    this.#windows.delete(key);
    return null;
  }

  #sweep(now: number): void {
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, window] of this.#windows) {
      if (window.endsAt <= now) this.#windows.delete(key);
    }
  }
}

/**
 * KEYS: the counters. ARGV: limit, window ms. Returns 0 when the attempt was
 * counted on every key, else the largest PTTL among the keys at their limit.
 */
const claimScript = new LuaScript(`
local wait = 0
for _, key in ipairs(KEYS) do
  local failures = tonumber(redis.call('GET', key) or '0')
  if failures >= tonumber(ARGV[1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, ARGV[2])
      ttl = tonumber(ARGV[2])
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 0
`);

/** KEYS: the counters. Takes one failure back from each that still exists (DECR keeps its TTL). */
const forgiveScript = new LuaScript(`
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('DECR', key) <= 0 then
    redis.call('DEL', key)
  end
end
return 0
`);

/**
 * Counts on Redis under `prefix`, so every process that shares it agrees. One claim takes
 * several counters in one script: on a Redis Cluster `prefix` carries a hash tag.
 */
export class RedisFailureLimiter implements FailureLimiter {
  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  async claim(keys: readonly string[], { limit, windowMs }: FailureLimit): Promise<number | null> {
    const wait = Number(
      await claimScript.run(this.redis, keys.map((key) => this.prefix + key), [limit, windowMs]),
    );
    return wait > 0 ? wait : null;
  }

  async forgive(keys: readonly string[]): Promise<void> {
    await forgiveScript.run(this.redis, keys.map((key) => this.prefix + key), []);
  }
}
