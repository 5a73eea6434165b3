/**
 * The Redis inventory store. Every write is one Lua script (state, counters
 * and the events' XADD together, to the bus's streams or the outbox), so
 * concurrent processes sharing the keyspace cannot oversell, and a crash never
 * separates a change from its events. Keys: `<keyPrefix>{inventory}:…` only
 * (one hash tag: one Redis Cluster slot for every key a script takes), each
 * one named here and passed to its script; `outbox:lease` names the one
 * process that relays the outbox now, when events go there
 * (lib/redis_outbox.ts); `fence` is written after each script while
 * REDIS_WAIT_REPLICAS is set, so the WAIT covers what a script read, too
 * (lib/redis_replicated.ts).
 *
 * @module
 */
import { conflict } from "../../../lib/errors.ts";
import { moduleKeyPrefix } from "../../../lib/module.ts";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { type BusStreams, type EventRoute, StoreOutbox } from "../../../lib/redis_outbox.ts";
import { execPipeline } from "../../../lib/redis_pipeline.ts";
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
import { docOf, eventStub, hashFrom, productFrom, reservationOf, stubArgs } from "./redis_codec.ts";
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
/**
 * Held reservations whose lines this process knows (it made them), so their commit or
 * release needs no read. One another inventory process finishes stays until pushed out.
 */
const KNOWN_LINES = 10_000;

export class RedisInventoryStore implements InventoryStore {
  /** What the scripts append to (`<prefix>outbox`) and the relay reads, one process at a time. */
  readonly outbox: StoreOutbox;
  /** `<keyPrefix>{inventory}:` */
  readonly prefix: string;

  /** The stored lines (JSON, verbatim) of reservations seen lately, oldest first. */
  readonly #lines = new Map<string, string>();

  /** Events go straight into `busStreams` when given (a Redis bus on this server), else the outbox. */
  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    busStreams: BusStreams | null = null,
  ) {
    this.prefix = moduleKeyPrefix(keyPrefix, "inventory");
    this.outbox = new StoreOutbox(redis, `${this.prefix}outbox`, busStreams);
  }

  #key(...parts: string[]): string {
    return this.prefix + parts.join(":");
  }

  /** Runs `script` over `keys`, then tells the route its events are written. */
  async #run(
    script: LuaScript,
    route: EventRoute,
    keys: string[],
    args: (string | number)[],
  ): Promise<unknown> {
    const reply = await script.run(this.redis, keys, args);
    route.written();
    return reply;
  }

  async createProduct(input: NewProduct): Promise<Product> {
    const record = createProductRecord(input, newProductId(), 0, now());
    const keys = record.tags.map(tagKey);
    const saved = eventStub(productSaved, null);
    const route = this.outbox.route();
    const seq = await this.#run(scripts.create, route, [
      this.#key("product", record.id),
      this.#key("seq"),
      this.#key("products"),
      this.#key("featured"),
      this.#key("tags"),
      this.#key("tag_names"),
      this.#key("sku", record.sku ?? ""),
      route.keyOf(productSaved.type),
      ...keys.map((tag) => this.#key("tag", tag)),
    ], [
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
    ]);
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
      const [before, after] = [record.tags.map(tagKey), updated.tags.map(tagKey)];
      const saved = eventStub(productSaved, null);
      // The script adds the price and revision it reads under its lock.
      const { price: _price, revision: _revision, ...known } = savedFacts(updated);
      const route = this.outbox.route();
      const outcome = await this.#run(scripts.update, route, [
        this.#key("product", id),
        this.#key("featured"),
        this.#key("tags"),
        this.#key("tag_names"),
        route.keyOf(productSaved.type),
        ...[...before, ...after].map((tag) => this.#key("tag", tag)),
      ], [
        id,
        updated.updated_at,
        docOf(record),
        docOf(updated),
        patch.price === undefined ? "" : String(patch.price),
        JSON.stringify(after),
        saved.id,
        saved.head,
        JSON.stringify(known),
        updated.name === record.name ? "0" : "1",
        before.length,
        ...before,
        ...after,
      ]);
      if (outcome === 0) return null;
      if (outcome === 1) return await this.getProduct(id);
    }
    throw conflict(`Product "${id}" is changing too fast to update; try again`);
  }

  async restock(id: string, quantity: number): Promise<Product | null> {
    const reply = await scripts.restock.run(this.redis, [this.#key("product", id)], [
      String(quantity),
      now(),
    ]);
    const record = reply ? productFrom(id, hashFrom(reply)) : null;
    return record && toProduct(record);
  }

  /**
   * Reads what the deletion will touch, then deletes in one script that checks
   * none of it changed meanwhile (else reads again).
   */
  async deleteProduct(id: string, cause: Cause = null): Promise<DeleteResult | null> {
    const key = this.#key("product", id);
    for (let attempt = 0; attempt < MAX_PATCH_ATTEMPTS; attempt++) {
      const [[sku, tagKeys], holders, together] = await execPipeline<
        [[string | null, string | null], string[], string[]]
      >(
        this.redis.pipeline()
          .hmget(key, "sku", "tag_keys")
          .smembers(this.#key("holds", id))
          .zrange(this.#key("together", id), 0, -1),
      );
      if (tagKeys === null) return null;
      holders.sort();
      const lines = holders.length === 0
        ? []
        : (await this.redis.mget(holders.map((order) => this.#key("reservation", order))))
          .map((stored, i) => reservationOf(holders[i]!, stored)?.lines ?? "");
      const tags = JSON.parse(tagKeys) as string[];
      const route = this.outbox.route();
      const reply = await this.#run(scripts.delete, route, [
        key,
        this.#key("holds", id),
        this.#key("products"),
        this.#key("featured"),
        this.#key("tags"),
        this.#key("tag_names"),
        this.#key("likers", id),
        this.#key("together", id),
        this.#key("sku", sku ?? ""),
        route.keyOf(reservationLost.type),
        route.keyOf(productDeleted.type),
        ...tags.map((tag) => this.#key("tag", tag)),
        ...together.map((other) => this.#key("together", other)),
        ...holders.flatMap((order, i) => [
          this.#key("reservation", order),
          ...this.#lineKeys(lines[i] ?? "[]", "product", "holds"),
        ]),
      ], [
        id,
        Date.now(),
        ...stubArgs(cause, reservationLost, productDeleted),
        sku ?? "",
        tagKeys,
        tags.length,
        together.length,
        holders.length,
        ...tags,
        ...together,
        ...holders.flatMap((order, i) => [order, lines[i] ?? ""]),
      ]);
      if (reply === "retry") continue;
      return Array.isArray(reply) ? { lost: reply.map(String) } : null;
    }
    throw conflict(`Product "${id}" is changing too fast to delete; try again`);
  }

  async like(productId: string, customerId: string): Promise<number | null> {
    const likes = Number(
      await scripts.like.run(
        this.redis,
        [this.#key("product", productId), this.#key("likers", productId)],
        [customerId],
      ),
    );
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
    const merged = mergeLines(items);
    const route = this.outbox.route();
    const reply = await this.#run(scripts.reserve, route, [
      this.#key("reservation", orderId),
      route.keyOf(stockReserved.type),
      route.keyOf(reservationRejected.type),
      ...merged.flatMap((line) => [
        this.#key("product", line.product_id),
        this.#key("holds", line.product_id),
      ]),
    ], [
      orderId,
      Date.now(),
      MAX_LINE_QUANTITY,
      ...stubs,
      ...merged.flatMap((line) => [line.product_id, String(line.quantity)]),
    ]);
    return this.#reservation(orderId, reply)!;
  }

  async commit(orderId: string, cause: Cause = null): Promise<Reservation | null> {
    const stubs = stubArgs(cause, reservationCommitted, reservationCommitFailed);
    const [committed, failed] = [stubs.slice(0, 2), stubs.slice(2)];
    return await this.#withLines(orderId, async (lines) => {
      const route = this.outbox.route();
      return await this.#run(scripts.commit, route, [
        this.#key("reservation", orderId),
        route.keyOf(reservationCommitted.type),
        route.keyOf(reservationCommitFailed.type),
        ...this.#lineKeys(lines, "product", "holds", "together"),
      ], [orderId, Date.now(), ...committed, lines, ...failed]);
    });
  }

  async release(orderId: string, cause: Cause = null): Promise<Reservation> {
    const released = stubArgs(cause, stockReleased);
    return (await this.#withLines(orderId, async (lines) => {
      const route = this.outbox.route();
      return await this.#run(scripts.release, route, [
        this.#key("reservation", orderId),
        route.keyOf(stockReleased.type),
        ...this.#lineKeys(lines, "product", "holds"),
      ], [orderId, Date.now(), ...released, lines]);
    }))!;
  }

  /**
   * Runs a commit or release with the lines this process believes the reservation holds
   * ('' when it has not seen them); when the script answers with other lines (`{'lines', …}`:
   * nothing written), runs it again with those.
   */
  async #withLines(
    orderId: string,
    step: (lines: string) => Promise<unknown>,
  ): Promise<Reservation | null> {
    let lines = this.#lines.get(orderId) ?? "";
    for (let attempt = 0; attempt < MAX_PATCH_ATTEMPTS; attempt++) {
      const reply = await step(lines);
      if (Array.isArray(reply) && reply.length === 2 && reply[0] === "lines") {
        lines = String(reply[1]);
        continue;
      }
      return this.#reservation(orderId, reply);
    }
    throw new Error(`Reservation of order "${orderId}" kept changing its lines`);
  }

  /** A script's reservation reply, its lines remembered for the next step of the order. */
  #reservation(orderId: string, reply: unknown): Reservation | null {
    const read = reservationOf(orderId, typeof reply === "string" ? reply : null);
    const known = this.#lines;
    known.delete(orderId);
    // Only a held reservation has a next step that is likely (its commit or release); a
    // committed one is returned rarely, and then the script hands back its lines.
    if (read?.reservation.state === "held") {
      known.set(orderId, read.lines);
      if (known.size > KNOWN_LINES) known.delete(known.keys().next().value!);
    }
    return read?.reservation ?? null;
  }

  /** For each line of `lines` (a reservation's JSON), its keys of the given kinds, in order. */
  #lineKeys(lines: string, ...kinds: string[]): string[] {
    if (lines === "") return [];
    return (JSON.parse(lines) as { product_id: string }[]).flatMap((line) =>
      kinds.map((kind) => this.#key(kind, line.product_id))
    );
  }

  async getReservation(orderId: string): Promise<Reservation | null> {
    const stored = await this.redis.get(this.#key("reservation", orderId));
    return reservationOf(orderId, stored)?.reservation ?? null;
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
