/**
 * Which products go with a product: the rules behind
 * `GET /inventory/products/:id/related`, and the pairs an order teaches.
 *
 * @module
 */
import { type ProductRecord, tagKey } from "./product.ts";

/** The related products a request may ask for: by default, and at most. */
export const DEFAULT_RELATED = 4;
export const MAX_RELATED = 20;

/** A product that might go with another, and how often the two were bought together. */
export interface RelatedCandidate {
  record: ProductRecord;
  together: number;
}

/** How many tags two products share (ignoring case). */
export function sharedTagCount(a: readonly string[], b: readonly string[]): number {
  const keys = new Set(a.map(tagKey));
  return new Set(b.map(tagKey).filter((key) => keys.has(key))).size;
}

/**
 * Most often bought together first, then most tags shared, then newest. A
 * product is related only when it was bought with this one or shares a tag
 * with it, and never to itself.
 */
export function rankRelated(
  product: ProductRecord,
  candidates: readonly RelatedCandidate[],
  limit: number,
): ProductRecord[] {
  return candidates
    .filter(({ record }) => record.id !== product.id)
    .map((candidate) => ({
      ...candidate,
      shared: sharedTagCount(product.tags, candidate.record.tags),
    }))
    .filter(({ together, shared }) => together > 0 || shared > 0)
    .sort((a, b) => b.together - a.together || b.shared - a.shared || b.record.seq - a.record.seq)
    .slice(0, limit)
    .map(({ record }) => record);
}

/** Every unordered pair of two different products in one order, once each. */
export function pairsOf(productIds: readonly string[]): [string, string][] {
  const ids = [...new Set(productIds)];
  const pairs: [string, string][] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) pairs.push([ids[i]!, ids[j]!]);
  }
  return pairs;
}

/** The memory store's pair counts; the Redis store keeps one sorted set per product. */
export class BoughtTogether {
  readonly #counts = new Map<string, Map<string, number>>();

  /** One more time bought together, for every pair of the order's products. */
  count(productIds: readonly string[]): void {
    for (const [a, b] of pairsOf(productIds)) {
      this.#add(a, b);
      this.#add(b, a);
    }
  }

  /** How often `other` was bought with `productId`. */
  with(productId: string, other: string): number {
    return this.#counts.get(productId)?.get(other) ?? 0;
  }

  /** A deleted product is nobody's partner any more. */
  forget(productId: string): void {
    for (const other of this.#counts.get(productId)?.keys() ?? []) {
      this.#counts.get(other)?.delete(productId);
    }
    this.#counts.delete(productId);
  }

  #add(productId: string, other: string): void {
    let counts = this.#counts.get(productId);
    if (!counts) this.#counts.set(productId, counts = new Map());
    counts.set(other, (counts.get(other) ?? 0) + 1);
  }
}
