/**
 * The Redis store's reads for the shop front: the tag tally and related
 * products. Both read indexes the catalog and commit scripts keep
 * (`redis_scripts.ts`: `tags`, `tag_names`, `tag:<key>`, `together:<id>`).
 *
 * @module
 */
import { type Product, type ProductRecord, tagKey, toProduct } from "../domain/product.ts";
import { rankRelated } from "../domain/related.ts";
import { mostUsedFirst, type TagCount } from "../domain/tags.ts";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { execPipeline } from "../../../lib/redis_pipeline.ts";
import { hashFrom, productFrom } from "./redis_codec.ts";

/** How many products `readRelated` considers from each of its sources. */
const RELATED_CANDIDATES = 100;

/** `prefix` is the store's (`<keyPrefix>{inventory}:`). */
export async function readTags(
  redis: RedisClient,
  prefix: string,
  limit: number,
): Promise<TagCount[]> {
  const [counts, names] = await execPipeline<[string[], Record<string, string>]>(
    redis.pipeline().zrange(`${prefix}tags`, 0, -1, "WITHSCORES").hgetall(`${prefix}tag_names`),
  );
  const tags: TagCount[] = [];
  for (let i = 0; i + 1 < counts.length; i += 2) {
    const key = counts[i]!;
    tags.push({ tag: names[key] ?? key, count: Number(counts[i + 1]) });
  }
  return tags.sort(mostUsedFirst).slice(0, limit);
}

/**
 * Ranks the products bought most often with this one and the newest of each
 * of its tags (`RELATED_CANDIDATES` from each), not the whole catalog.
 */
export async function readRelated(
  redis: RedisClient,
  prefix: string,
  record: ProductRecord,
  limit: number,
): Promise<Product[]> {
  const reads = redis.pipeline()
    .zrevrange(`${prefix}together:${record.id}`, 0, RELATED_CANDIDATES - 1, "WITHSCORES");
  for (const tag of record.tags) {
    reads.zrevrange(`${prefix}tag:${tagKey(tag)}`, 0, RELATED_CANDIDATES - 1);
  }
  const [bought, ...tagged] = await execPipeline<[string[], ...string[][]]>(reads);
  const together = new Map<string, number>();
  for (let i = 0; i + 1 < bought.length; i += 2) together.set(bought[i]!, Number(bought[i + 1]));
  const ids = [...new Set([...together.keys(), ...tagged.flat()])];
  const loads = redis.pipeline();
  for (const id of ids) loads.hgetall(`${prefix}product:${id}`);
  const hashes = await execPipeline<Record<string, string>[]>(loads);
  const candidates = ids.flatMap((id, i) => {
    // Deleted since it was indexed: simply not a candidate.
    const other = productFrom(id, hashFrom(hashes[i]));
    return other ? [{ record: other, together: together.get(id) ?? 0 }] : [];
  });
  return rankRelated(record, candidates, limit).map(toProduct);
}
