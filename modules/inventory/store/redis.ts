/**
 * The Redis inventory store. Every write is one Lua script (state, counters
 * and the outbox XADD together), so concurrent processes sharing the keyspace
 * cannot oversell, and a crash never separates a change from its events.
 * Keys: `<keyPrefix>inventory:…` only; `outbox:lease` names the one process
 * that relays the outbox now (`LeasedOutbox`).
 *
 * @module
 */
import type { Redis } from "ioredis";
import { conflict } from "../../../lib/errors.ts";
import { StoreOutbox } from "../../../lib/redis_outbox.ts";
import { LuaScript } from "../../../lib/redis_script.ts";
import { applyPatch, createProductRecord, ledgerOf, matchesQuery } from "../domain/product.ts";
import { newProductId, savedFacts, tagKey, toProduct } from "../domain/product.ts";
import type { NewProduct, Product, ProductPatch, ProductRecord } from "../domain/product.ts";
import type { StockLedger } from "../domain/product.ts";
import {
  MAX_LINE_QUANTITY,
  mergeLines,
  type OrderLine,
  type Reservation,
} from "../domain/reservation.ts";
import { productDeleted, productSaved, reservationCommitFailed } from "../events.ts";
import { reservationCommitted, reservationLost, reservationRejected } from "../events.ts";
import { stockReleased, stockReserved } from "../events.ts";
import type { TagCount } from "../domain/tags.ts";
import { CREATE_PRODUCT, DELETE_PRODUCT, LIKE, RESTOCK, UPDATE_PRODUCT } from "./redis_scripts.ts";
import { COMMIT, RELEASE, RESERVE } from "./redis_scripts_reservations.ts";
import {
  docOf,
  eventStub,
  hashFrom,
  productFrom,
  reservationFrom,
  stubArgs,
} from "./redis_codec.ts";
import { readRelated, readTags } from "./redis_discovery.ts";
import type { Cause, DeleteResult, InventoryStore, ListOptions, ProductPage } from "./types.ts";

const scripts = {
  create: new LuaScript(CREATE_PRODUCT),
  update: new LuaScript(UPDATE_PRODUCT),
  restock: new LuaScript(RESTOCK),
  like: new LuaScript(LIKE),
  delete: new LuaScript(DELETE_PRODUCT),
  reserve: new LuaScript(RESERVE),
  commit: new LuaScript(COMMIT),
  release: new LuaScript(RELEASE),
};

/** A patch that keeps losing its compare-and-set is hammered by writers; give up loudly. */
const MAX_PATCH_ATTEMPTS = 20;

export class RedisInventoryStore implements InventoryStore {
  /** What the scripts append to (`<prefix>outbox`) and the relay reads, one process at a time. */
  readonly outbox: StoreOutbox;
  /** `<keyPrefix>inventory:` */
  readonly prefix: string;

  constructor(private readonly redis: Redis, keyPrefix: string) {
    this.prefix = `${keyPrefix}inventory:`;
    this.outbox = new StoreOutbox(redis, `${this.prefix}outbox`);
  }

  #key(...parts: string[]): string {
    return this.prefix + parts.join(":");
  }

  /** The scripts build their key names from the prefix (ARGV[1]), so they take no KEYS. */
  #run(script: LuaScript, ...args: (string | number)[]): Promise<unknown> {
    return script.run(this.redis, [], [this.prefix, ...args]);
  }

  async createProduct(input: NewProduct): Promise<Product> {
    const record = createProductRecord(input, newProductId(), 0, now());
    const keys = record.tags.map(tagKey);
    const saved = eventStub(productSaved, null);
    const seq = await this.#run(
      scripts.create,
      record.id,
      record.created_at,
      record.sku ?? "",
      String(record.price),
      String(record.stock),
      docOf(record),
      JSON.stringify(keys),
      saved.id,
      saved.head,
      JSON.stringify(savedFacts(record)),
      ...keys,
    );
    if (seq === 0) throw conflict(`A product with sku "${record.sku}" already exists`);
    return toProduct({ ...record, seq: Number(seq) });
  }

  async #record(id: string): Promise<ProductRecord | null> {
    return productFrom(id, await this.redis.hgetall(this.#key("product", id)));
  }

  async getProduct(id: string): Promise<Product | null> {
    const record = await this.#record(id);
    return record && toProduct(record);
  }

  async listProducts(options: ListOptions): Promise<ProductPage> {
    // The narrowest index that holds every match: the featured products (few,
    // by design), a tag's products, or all of them.
    const index = options.featured === true
      ? this.#key("featured")
      : options.tag !== undefined
      ? this.#key("tag", tagKey(options.tag))
      : this.#key("products");
    // What the index does not answer is filtered after reading, in larger batches.
    const exact = options.q === undefined &&
      (options.featured === undefined || (options.featured && options.tag === undefined));
    const batch = exact ? options.limit + 1 : Math.max(100, options.limit + 1);
    const found: ProductRecord[] = [];
    let after = options.afterSeq ?? 0;
    while (found.length <= options.limit) {
      const rows = await this.redis.zrangebyscore(
        index,
        `(${after}`,
        "+inf",
        "WITHSCORES",
        "LIMIT",
        0,
        batch,
      );
      if (rows.length === 0) break;
      const ids = rows.filter((_, i) => i % 2 === 0);
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.#key("product", id));
      const replies = (await pipeline.exec()) ?? [];
      ids.forEach((id, i) => {
        const [error, hash] = replies[i] ?? [null, null];
        if (error) throw error;
        // Deleted between the two reads: it is simply no longer listed.
        const record = productFrom(id, hashFrom(hash));
        if (record && matchesQuery(record, options)) found.push(record);
      });
      after = Number(rows[rows.length - 1]);
      if (ids.length < batch) break;
    }
    const page = found.slice(0, options.limit);
    return {
      items: page.map(toProduct),
      nextSeq: found.length > options.limit ? page[page.length - 1]!.seq : null,
    };
  }

  async updateProduct(id: string, patch: ProductPatch): Promise<Product | null> {
    for (let attempt = 0; attempt < MAX_PATCH_ATTEMPTS; attempt++) {
      const record = await this.#record(id);
      if (!record) return null;
      const updated = applyPatch(record, patch, now());
      const keys = updated.tags.map(tagKey);
      const saved = eventStub(productSaved, null);
      // The script adds the price and revision it reads under its lock.
      const { price: _price, revision: _revision, ...known } = savedFacts(updated);
      const outcome = await this.#run(
        scripts.update,
        id,
        updated.updated_at,
        docOf(record),
        docOf(updated),
        patch.price === undefined ? "" : String(patch.price),
        JSON.stringify(keys),
        saved.id,
        saved.head,
        JSON.stringify(known),
        updated.name === record.name ? "0" : "1",
        ...keys,
      );
      if (outcome === 0) return null;
      if (outcome === 1) return await this.getProduct(id);
    }
    throw conflict(`Product "${id}" is changing too fast to update; try again`);
  }

  async restock(id: string, quantity: number): Promise<Product | null> {
    const reply = await this.#run(scripts.restock, id, String(quantity), now());
    const record = reply ? productFrom(id, hashFrom(reply)) : null;
    return record && toProduct(record);
  }

  async deleteProduct(id: string, cause: Cause = null): Promise<DeleteResult | null> {
    const stubs = stubArgs(cause, reservationLost, productDeleted);
    const reply = await this.#run(scripts.delete, id, now(), ...stubs);
    return Array.isArray(reply) ? { lost: reply.map(String) } : null;
  }

  async like(productId: string, customerId: string): Promise<number | null> {
    const likes = Number(await this.#run(scripts.like, productId, customerId));
    return likes < 0 ? null : likes;
  }

  tags(limit: number): Promise<TagCount[]> {
    return readTags(this.redis, this.prefix, limit);
  }

  async related(productId: string, limit: number): Promise<Product[] | null> {
    const record = await this.#record(productId);
    return record && await readRelated(this.redis, this.prefix, record, limit);
  }

  async reserve(
    orderId: string,
    items: readonly OrderLine[],
    cause: Cause = null,
  ): Promise<Reservation> {
    const stubs = stubArgs(cause, stockReserved, reservationRejected);
    const lines = mergeLines(items).flatMap((line) => [line.product_id, String(line.quantity)]);
    const reply = await this.#run(
      scripts.reserve,
      orderId,
      now(),
      MAX_LINE_QUANTITY,
      ...stubs,
      ...lines,
    );
    return reservationFrom(orderId, hashFrom(reply))!;
  }

  async commit(orderId: string, cause: Cause = null): Promise<Reservation | null> {
    const stubs = stubArgs(cause, reservationCommitted, reservationCommitFailed);
    const reply = await this.#run(scripts.commit, orderId, now(), ...stubs);
    return reservationFrom(orderId, hashFrom(reply));
  }

  async release(orderId: string, cause: Cause = null): Promise<Reservation> {
    const reply = await this.#run(
      scripts.release,
      orderId,
      now(),
      ...stubArgs(cause, stockReleased),
    );
    return reservationFrom(orderId, hashFrom(reply))!;
  }

  async getReservation(orderId: string): Promise<Reservation | null> {
    return reservationFrom(orderId, await this.redis.hgetall(this.#key("reservation", orderId)));
  }

  async ledger(productId: string): Promise<StockLedger | null> {
    const record = await this.#record(productId);
    return record && ledgerOf(record);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}

function now(): string {
  return new Date().toISOString();
}
