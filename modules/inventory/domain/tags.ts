/**
 * The catalog's tags with how many products carry each, for the store's
 * filter bar. A tag is counted under its lower-case key (tags match ignoring
 * case) and shown in the first spelling that brought it into the catalog.
 *
 * @module
 */
import { tagKey } from "./product.ts";

export interface TagCount {
  tag: string;
  count: number;
}

/** Tags a request may ask for: by default, and at most. */
export const DEFAULT_TAGS = 100;
export const MAX_TAGS_LISTED = 1_000;

/** Most products first; equal counts by tag, so every store lists them alike. */
export function mostUsedFirst(a: TagCount, b: TagCount): number {
  if (a.count !== b.count) return b.count - a.count;
  const [x, y] = [tagKey(a.tag), tagKey(b.tag)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The memory store's running tally; the Redis store keeps the same in a sorted set and a hash. */
export class TagTally {
  readonly #tags = new Map<string, TagCount>();

  add(tags: readonly string[]): void {
    for (const tag of tags) {
      const key = tagKey(tag);
      const known = this.#tags.get(key);
      if (known) known.count += 1;
      else this.#tags.set(key, { tag, count: 1 });
    }
  }

  remove(tags: readonly string[]): void {
    for (const tag of tags) {
      const key = tagKey(tag);
      const known = this.#tags.get(key);
      if (!known) continue;
      known.count -= 1;
      if (known.count <= 0) this.#tags.delete(key);
    }
  }

  list(limit: number): TagCount[] {
    return [...this.#tags.values()].map((entry) => ({ ...entry })).sort(mostUsedFirst)
      .slice(0, limit);
  }
}
