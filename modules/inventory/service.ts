/**
 * Inventory's use cases, shared by the HTTP routes and the bus handlers. Each
 * one is a single store call (the state change and its events together) and,
 * when it wrote events, a nudge for the outbox relay to publish them now.
 *
 * @module
 */
import { notFound } from "../../lib/errors.ts";
import type { NewProduct, Product, ProductPatch } from "./domain/product.ts";
import type { OrderLine, Reservation } from "./domain/reservation.ts";
import type { TagCount } from "./domain/tags.ts";
import type { Cause, InventoryStore, ListOptions, ProductPage } from "./store/types.ts";

export class InventoryService {
  constructor(
    readonly store: InventoryStore,
    /** Called after every write that appended to the outbox. */
    private readonly wrote: () => void = () => {},
  ) {}

  async createProduct(input: NewProduct): Promise<Product> {
    const product = await this.store.createProduct(input);
    this.wrote();
    return product;
  }

  async getProduct(id: string): Promise<Product> {
    return found(await this.store.getProduct(id), id);
  }

  listProducts(options: ListOptions): Promise<ProductPage> {
    return this.store.listProducts(options);
  }

  tags(limit: number): Promise<TagCount[]> {
    return this.store.tags(limit);
  }

  async related(id: string, limit: number): Promise<Product[]> {
    return found(await this.store.related(id, limit), id);
  }

  /** What inventory holds, sold or gave back for an order; 404 when it never heard of it. */
  async reservation(orderId: string): Promise<Reservation> {
    const reservation = await this.store.getReservation(orderId);
    if (!reservation) throw notFound("Reservation of order", orderId);
    return reservation;
  }

  async updateProduct(id: string, patch: ProductPatch): Promise<Product> {
    const product = found(await this.store.updateProduct(id, patch), id);
    this.wrote();
    return product;
  }

  async restock(id: string, quantity: number): Promise<Product> {
    return found(await this.store.restock(id, quantity), id);
  }

  async deleteProduct(id: string): Promise<void> {
    found(await this.store.deleteProduct(id), id);
    this.wrote();
  }

  async like(productId: string, customerId: string): Promise<number> {
    return found(await this.store.like(productId, customerId), productId);
  }

  async reserveForOrder(
    orderId: string,
    items: readonly OrderLine[],
    cause: Cause,
  ): Promise<Reservation> {
    const reservation = await this.store.reserve(orderId, items, cause);
    this.wrote();
    return reservation;
  }

  async commitOrder(orderId: string, cause: Cause): Promise<Reservation | null> {
    const reservation = await this.store.commit(orderId, cause);
    this.wrote();
    return reservation;
  }

  async releaseOrder(orderId: string, cause: Cause): Promise<Reservation> {
    const reservation = await this.store.release(orderId, cause);
    this.wrote();
    return reservation;
  }
}

function found<T>(value: T | null, id: string): T {
  if (value === null) throw notFound("Product", id);
  return value;
}
