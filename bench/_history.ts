/**
 * Order history for the scaling run of `bench:orders --history N`: N settled
 * orders written straight through the orders module's Redis store (its
 * indexes and counts, as the saga leaves them), far faster than through the
 * API, so the run shows whether anything on the hot path grows with history.
 *
 * @module
 */
import { Redis } from "ioredis";
import { newOrder } from "../modules/orders/domain/place.ts";
import { RedisOrderStore } from "../modules/orders/store/redis.ts";

const BATCH = 2_000;

/** Writes `count` confirmed orders of `customers` for `products`; resolves with the seconds it took. */
export async function seedOrderHistory(
  redisUrl: string,
  keyPrefix: string,
  count: number,
  customers: readonly string[],
  products: readonly string[],
): Promise<number> {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const started = performance.now();
  try {
    const store = new RedisOrderStore(redis, keyPrefix);
    const now = Date.now() - count;
    for (let from = 0; from < count; from += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => {
        const n = from + i;
        const id = `ord_history_${n}_${crypto.randomUUID().slice(0, 8)}`;
        const placed = newOrder({
          id,
          customer_id: customers[n % customers.length]!,
          items: [{ product_id: products[n % products.length]!, quantity: 1 }],
          correlation_id: id,
          traceparent: null,
        }, { now: now + n, feeBps: 0, stepTimeoutMs: 30_000 });
        return store.create({ ...placed, status: "confirmed", deadline: null }, []);
      }));
    }
  } finally {
    redis.disconnect();
  }
  return (performance.now() - started) / 1_000;
}
