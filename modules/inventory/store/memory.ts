/**
 * The in-memory inventory store: the embedded default and the fast test path.
 * Every method does its whole work, outbox included, in one synchronous step,
 * which is what makes it atomic on a single-threaded runtime.
 *
 * @module
 */
import type { z } from "zod";
import type { EventContract } from "../../../bus/mod.ts";
import { conflict } from "../../../lib/errors.ts";
import { frozenCopy } from "../../../lib/json_copy.ts";
import { MemoryOutbox, outboxEvent } from "../../../lib/outbox.ts";
import { applyPatch, changesSavedFacts, createProductRecord, ledgerOf } from "../domain/product.ts";
import { matchesQuery, newProductId, savedFacts, toProduct } from "../domain/product.ts";
import type { NewProduct, Product, ProductPatch, ProductRecord } from "../domain/product.ts";
import type { StockLedger } from "../domain/product.ts";
import {
  answerToRepeatedPlacement,
  decideCommit,
  decideRelease,
  decideReservation,
  mergeLines,
  type OrderLine,
  type Reservation,
} from "../domain/reservation.ts";
import { BoughtTogether, rankRelated } from "../domain/related.ts";
import { type TagCount, TagTally } from "../domain/tags.ts";
import { INVENTORY_SOURCE, productDeleted, productSaved } from "../events.ts";
import { reservationCommitFailed, reservationCommitted, reservationLost } from "../events.ts";
import { reservationRejected, stockReleased, stockReserved } from "../events.ts";
import type { Cause, DeleteResult, InventoryStore, ListOptions, ProductPage } from "./types.ts";

export class MemoryInventoryStore implements InventoryStore {
  readonly outbox = new MemoryOutbox();
  /** Insertion order is creation order, which listings page on. */
  readonly #products = new Map<string, ProductRecord>();
  readonly #skus = new Map<string, string>();
  readonly #likers = new Map<string, Set<string>>();
  /** Per product, the orders whose held reservation contains it. */
  readonly #holds = new Map<string, Set<string>>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #tags = new TagTally();
  readonly #together = new BoughtTogether();
  #seq = 0;

  #emit<C extends EventContract>(event: C, data: z.input<C["schema"]>, cause: Cause): void {
    this.outbox.append(outboxEvent(INVENTORY_SOURCE, event, data, cause));
  }

  createProduct(input: NewProduct): Promise<Product> {
    if (input.sku != null && this.#skus.has(input.sku)) {
      return Promise.reject(conflict(`A product with sku "${input.sku}" already exists`));
    }
    const record = createProductRecord(input, newProductId(), ++this.#seq, now());
    this.#products.set(record.id, record);
    if (record.sku !== null) this.#skus.set(record.sku, record.id);
    this.#tags.add(record.tags);
    this.#emit(productSaved, savedFacts(record), null);
    return Promise.resolve(toProduct(record));
  }

  getProduct(id: string): Promise<Product | null> {
    const record = this.#products.get(id);
    return Promise.resolve(record ? toProduct(record) : null);
  }

  listProducts(options: ListOptions): Promise<ProductPage> {
    const matches: ProductRecord[] = [];
    for (const record of this.#products.values()) {
      if (record.seq <= (options.afterSeq ?? 0) || !matchesQuery(record, options)) continue;
      matches.push(record);
      // One past the page tells us whether a next page exists.
      if (matches.length > options.limit) break;
    }
    const page = matches.slice(0, options.limit);
    const more = matches.length > options.limit;
    return Promise.resolve({
      items: page.map(toProduct),
      nextSeq: more ? page[page.length - 1]!.seq : null,
    });
  }

  updateProduct(id: string, patch: ProductPatch): Promise<Product | null> {
    const record = this.#products.get(id);
    if (!record) return Promise.resolve(null);
    const updated = applyPatch(record, patch, now());
    this.#products.set(id, updated);
    this.#tags.remove(record.tags);
    this.#tags.add(updated.tags);
    if (changesSavedFacts(record, updated)) this.#emit(productSaved, savedFacts(updated), null);
    return Promise.resolve(toProduct(updated));
  }

  restock(id: string, quantity: number): Promise<Product | null> {
    const record = this.#products.get(id);
    if (!record) return Promise.resolve(null);
    record.stock += quantity;
    record.received += quantity;
    record.updated_at = now();
    return Promise.resolve(toProduct(record));
  }

  deleteProduct(id: string, cause: Cause = null): Promise<DeleteResult | null> {
    const record = this.#products.get(id);
    if (!record) return Promise.resolve(null);
    const lost = [...(this.#holds.get(id) ?? [])].sort();
    for (const orderId of lost) {
      const reservation = this.#reservations.get(orderId)!;
      this.#letGo(reservation, id);
      this.#keep({
        ...reservation,
        state: "lost",
        product_id: id,
        updated_at: now(),
      });
      this.#emit(reservationLost, { order_id: orderId, product_id: id }, cause);
    }
    this.#products.delete(id);
    this.#holds.delete(id);
    this.#likers.delete(id);
    this.#tags.remove(record.tags);
    this.#together.forget(id);
    if (record.sku !== null) this.#skus.delete(record.sku);
    this.#emit(productDeleted, { product_id: id }, cause);
    return Promise.resolve({ lost });
  }

  like(productId: string, customerId: string): Promise<number | null> {
    const record = this.#products.get(productId);
    if (!record) return Promise.resolve(null);
    const likers = this.#likers.get(productId) ?? new Set();
    this.#likers.set(productId, likers);
    if (!likers.has(customerId)) {
      likers.add(customerId);
      record.likes += 1;
    }
    return Promise.resolve(record.likes);
  }

  tags(limit: number): Promise<TagCount[]> {
    return Promise.resolve(this.#tags.list(limit));
  }

  related(productId: string, limit: number): Promise<Product[] | null> {
    const record = this.#products.get(productId);
    if (!record) return Promise.resolve(null);
    const candidates = [...this.#products.values()].map((other) => ({
      record: other,
      together: this.#together.with(productId, other.id),
    }));
    return Promise.resolve(rankRelated(record, candidates, limit).map(toProduct));
  }

  reserve(orderId: string, items: readonly OrderLine[], cause: Cause = null): Promise<Reservation> {
    const existing = this.#reservations.get(orderId);
    if (existing) {
      const answer = answerToRepeatedPlacement(existing.state);
      if (answer === "repeat_reserved") {
        this.#emit(stockReserved, { order_id: orderId, lines: existing.lines }, cause);
      } else if (answer === "repeat_rejected") {
        this.#emit(reservationRejected, rejectionData(existing), cause);
      }
      return Promise.resolve(existing);
    }
    const at = now();
    const decision = decideReservation(mergeLines(items), (productId) => {
      const record = this.#products.get(productId);
      return record ? { stock: record.stock, price: record.price } : null;
    });
    const reservation: Reservation = decision.held
      ? { ...blank(orderId, at), state: "held", lines: decision.lines }
      : {
        ...blank(orderId, at),
        state: "rejected",
        reason: decision.reason,
        product_id: decision.product_id,
      };
    if (decision.held) {
      for (const line of decision.lines) {
        const record = this.#products.get(line.product_id)!;
        record.stock -= line.quantity;
        record.reserved += line.quantity;
        this.#holdsOf(line.product_id).add(orderId);
      }
      this.#emit(stockReserved, { order_id: orderId, lines: decision.lines }, cause);
    } else {
      this.#emit(reservationRejected, rejectionData(reservation), cause);
    }
    this.#keep(reservation);
    return Promise.resolve(this.#reservations.get(orderId)!);
  }

  commit(orderId: string, cause: Cause = null): Promise<Reservation | null> {
    const reservation = this.#reservations.get(orderId) ?? null;
    const decision = decideCommit(reservation?.state ?? null);
    if (decision.kind === "fail") {
      this.#emit(reservationCommitFailed, { order_id: orderId, reason: decision.reason }, cause);
      return Promise.resolve(reservation);
    }
    if (decision.kind === "commit") {
      for (const line of reservation!.lines) {
        const record = this.#products.get(line.product_id)!;
        record.reserved -= line.quantity;
        record.sold += line.quantity;
        this.#holds.get(line.product_id)?.delete(orderId);
      }
      this.#together.count(reservation!.lines.map((line) => line.product_id));
      this.#keep({ ...reservation!, state: "committed", updated_at: now() });
    }
    this.#emit(reservationCommitted, { order_id: orderId }, cause);
    return Promise.resolve(this.#reservations.get(orderId)!);
  }

  release(orderId: string, cause: Cause = null): Promise<Reservation> {
    const reservation = this.#reservations.get(orderId) ?? null;
    const decision = decideRelease(reservation?.state ?? null);
    let returned = false;
    if (decision.kind === "tombstone") {
      this.#keep({ ...blank(orderId, now()), state: "released" });
    } else if (decision.kind === "release") {
      this.#letGo(reservation!, null);
      this.#keep({ ...reservation!, state: "released", updated_at: now() });
    } else if (decision.kind === "return") {
      for (const line of reservation!.lines) {
        // A product deleted since the sale has no shelf to return to.
        const record = this.#products.get(line.product_id);
        if (!record) continue;
        record.sold -= line.quantity;
        record.stock += line.quantity;
      }
      this.#keep({ ...reservation!, state: "returned", updated_at: now() });
      returned = true;
    } else {
      returned = decision.returned;
    }
    this.#emit(stockReleased, { order_id: orderId, returned }, cause);
    return Promise.resolve(this.#reservations.get(orderId)!);
  }

  /** Reservations are kept frozen and handed out as kept (see frozenCopy). */
  #keep(reservation: Reservation): void {
    this.#reservations.set(reservation.order_id, frozenCopy(reservation));
  }

  getReservation(orderId: string): Promise<Reservation | null> {
    const reservation = this.#reservations.get(orderId);
    return Promise.resolve(reservation ?? null);
  }

  ledger(productId: string): Promise<StockLedger | null> {
    const record = this.#products.get(productId);
    return Promise.resolve(record ? ledgerOf(record) : null);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  /** Puts a held reservation's units back on the shelf, except those of `skip` (being deleted). */
  #letGo(reservation: Reservation, skip: string | null): void {
    for (const line of reservation.lines) {
      this.#holds.get(line.product_id)?.delete(reservation.order_id);
      if (line.product_id === skip) continue;
      const record = this.#products.get(line.product_id)!;
      record.reserved -= line.quantity;
      record.stock += line.quantity;
    }
  }

  #holdsOf(productId: string): Set<string> {
    let holds = this.#holds.get(productId);
    if (!holds) this.#holds.set(productId, holds = new Set());
    return holds;
  }
}

function now(): string {
  return new Date().toISOString();
}

function blank(orderId: string, at: string): Reservation {
  return {
    order_id: orderId,
    state: "released",
    lines: [],
    reason: null,
    product_id: null,
    created_at: at,
    updated_at: at,
  };
}

function rejectionData(reservation: Reservation) {
  return {
    order_id: reservation.order_id,
    reason: reservation.reason!,
    product_id: reservation.product_id!,
  };
}
