/**
 * The product catalog's rules: what a product is, what a client sees of it,
 * how a patch applies and which products a listing query matches.
 *
 * @module
 */

/** A product as the store keeps it, with the counters behind the stock invariant. */
export interface ProductRecord {
  id: string;
  /** Creation order; listings page on it so a cursor stays stable under inserts and deletes. */
  seq: number;
  name: string;
  price: number;
  sku: string | null;
  description: string | null;
  tags: string[];
  /** Promoted in the store's ad slot (`?featured=true`). */
  featured: boolean;
  /** Units available to sell. */
  stock: number;
  /** Units held by orders in flight. */
  reserved: number;
  /** Units sold and not returned. */
  sold: number;
  /** Initial stock plus every restock: always `stock + reserved + sold`. */
  received: number;
  likes: number;
  /** 1 at creation, one more with every patch: orders the product's saved events. */
  revision: number;
  created_at: string;
  updated_at: string;
}

/** What clients see (SPEC "Inventory"). */
export interface Product {
  id: string;
  name: string;
  price: number;
  stock: number;
  reserved: number;
  sku: string | null;
  description: string | null;
  tags: string[];
  featured: boolean;
  likes: number;
  created_at: string;
  updated_at: string;
}

export interface NewProduct {
  name: string;
  price: number;
  stock: number;
  sku?: string | null;
  description?: string | null;
  tags?: string[];
  featured?: boolean;
}

export interface ProductPatch {
  name?: string;
  price?: number;
  description?: string | null;
  tags?: string[];
  featured?: boolean;
}

/** The counters a test checks the SPEC stock invariant with. */
export interface StockLedger {
  received: number;
  stock: number;
  reserved: number;
  sold: number;
}

export interface ProductQuery {
  tag?: string;
  q?: string;
  featured?: boolean;
}

export function newProductId(): string {
  return `p_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Tags match case-insensitively, so `?tag=Shoes` finds a product tagged "shoes". */
export function tagKey(tag: string): string {
  return tag.toLowerCase();
}

/** Keeps the first spelling of each tag, dropping case-insensitive repeats. */
export function distinctTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  return tags.filter((tag) => {
    const key = tagKey(tag);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function createProductRecord(
  input: NewProduct,
  id: string,
  seq: number,
  now: string,
): ProductRecord {
  return {
    id,
    seq,
    name: input.name,
    price: input.price,
    sku: input.sku ?? null,
    description: input.description ?? null,
    tags: distinctTags(input.tags ?? []),
    featured: input.featured ?? false,
    stock: input.stock,
    reserved: 0,
    sold: 0,
    received: input.stock,
    likes: 0,
    revision: 1,
    created_at: now,
    updated_at: now,
  };
}

/** The record after a patch; fields the patch leaves out stay as they were. */
export function applyPatch(
  record: ProductRecord,
  patch: ProductPatch,
  now: string,
): ProductRecord {
  return {
    ...record,
    name: patch.name ?? record.name,
    price: patch.price ?? record.price,
    description: patch.description === undefined ? record.description : patch.description,
    tags: patch.tags === undefined ? record.tags : distinctTags(patch.tags),
    featured: patch.featured ?? record.featured,
    revision: record.revision + 1,
    updated_at: now,
  };
}

/** What `inventory.product_saved` says of a record. */
export function savedFacts(record: ProductRecord) {
  return {
    product_id: record.id,
    name: record.name,
    price: record.price,
    sku: record.sku,
    revision: record.revision,
    updated_at: record.updated_at,
  };
}

/** Whether a patch changed what `inventory.product_saved` tells other modules. */
export function changesSavedFacts(before: ProductRecord, after: ProductRecord): boolean {
  return before.name !== after.name || before.price !== after.price;
}

export function toProduct(record: ProductRecord): Product {
  return {
    id: record.id,
    name: record.name,
    price: record.price,
    stock: record.stock,
    reserved: record.reserved,
    sku: record.sku,
    description: record.description,
    tags: [...record.tags],
    featured: record.featured,
    likes: record.likes,
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
}

export function ledgerOf(record: ProductRecord): StockLedger {
  return {
    received: record.received,
    stock: record.stock,
    reserved: record.reserved,
    sold: record.sold,
  };
}

/**
 * `tag` matches one tag exactly (ignoring case); `q` is a case-insensitive
 * substring of name, description or sku; `featured` matches the flag.
 */
export function matchesQuery(record: ProductRecord, query: ProductQuery): boolean {
  if (query.featured !== undefined && record.featured !== query.featured) return false;
  if (query.tag !== undefined) {
    const wanted = tagKey(query.tag);
    if (!record.tags.some((tag) => tagKey(tag) === wanted)) return false;
  }
  if (query.q !== undefined) {
    const needle = query.q.toLowerCase();
    const haystacks = [record.name, record.description ?? "", record.sku ?? ""];
    if (!haystacks.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}
