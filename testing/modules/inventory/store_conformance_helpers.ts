/**
 * What the store conformance cases share: the opened store, event draining
 * and the stock invariant check.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Envelope } from "../../../bus/types.ts";
import type { OpenedStore as Opened } from "../../store_suite.ts";
import type { NewProduct, Product } from "../../../modules/inventory/domain/product.ts";
import { productSaved } from "../../../modules/inventory/events.ts";
import type { InventoryStore } from "../../../modules/inventory/store/types.ts";

export interface OpenedStore extends Opened<InventoryStore> {
  /**
   * Another handle on the same data, as a second process would have; absent
   * when the store cannot be shared (memory), and the concurrency cases then
   * race on the one handle instead.
   */
  peer?: () => Promise<InventoryStore>;
}

export type StoreCase = (opened: OpenedStore) => Promise<void>;
/** A case: a name that reads as a sentence, and its body. */
export type NamedCase = readonly [string, StoreCase];

/** Takes every event the store has written so far off its outbox, oldest first. */
export async function takeEvents(store: InventoryStore): Promise<Envelope[]> {
  const entries = await store.outbox.peek(10_000);
  await store.outbox.remove(entries.map((entry) => entry.key));
  return entries.map((entry) => entry.envelope);
}

/** The events' types and data, which is what the stores must agree on. */
export async function takeEventData(
  store: InventoryStore,
): Promise<{ type: string; data: unknown }[]> {
  return (await takeEvents(store)).map(({ type, data }) => ({ type, data }));
}

/**
 * Like `takeEvents`, without inventory.product_saved: what the reservation
 * cases check is the saga's answers, and every product they make says "saved".
 */
export async function takeSagaEvents(store: InventoryStore): Promise<Envelope[]> {
  return (await takeEvents(store)).filter((event) => event.type !== productSaved.type);
}

export async function takeSagaEventData(
  store: InventoryStore,
): Promise<{ type: string; data: unknown }[]> {
  return (await takeSagaEvents(store)).map(({ type, data }) => ({ type, data }));
}

export function product(overrides: Partial<NewProduct> = {}): NewProduct {
  return { name: "Teapot", price: 1250, stock: 10, ...overrides };
}

/** SPEC: initial stock + restocks = stock + reserved + units sold and not returned. */
export async function assertStockInvariant(
  store: InventoryStore,
  ...products: Product[]
): Promise<void> {
  for (const { id } of products) {
    const ledger = await store.ledger(id);
    if (!ledger) continue;
    assert.equal(
      ledger.received,
      ledger.stock + ledger.reserved + ledger.sold,
      `stock invariant broken for ${id}: ${JSON.stringify(ledger)}`,
    );
    for (const [counter, value] of Object.entries(ledger)) {
      assert.ok(value >= 0, `${counter} of ${id} went negative: ${JSON.stringify(ledger)}`);
    }
  }
}

/** The ledger of a product that must exist. */
export async function ledgerOf(store: InventoryStore, product: Product) {
  const ledger = await store.ledger(product.id);
  assert.ok(ledger, `product ${product.id} should exist`);
  return ledger;
}
