/**
 * What inventory needs from storage. Both implementations (memory, Redis)
 * write a state change and the events it causes in one atomic step into the
 * store's own outbox; `store/conformance.ts` holds them to the same behaviour.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import type { Outbox } from "../../../lib/outbox.ts";
import type {
  NewProduct,
  Product,
  ProductPatch,
  ProductQuery,
  StockLedger,
} from "../domain/product.ts";
import type { OrderLine, Reservation } from "../domain/reservation.ts";
import type { TagCount } from "../domain/tags.ts";

/** The envelope whose handling causes a write (its events carry its correlation), or null. */
export type Cause = Envelope | null;

export interface ListOptions extends ProductQuery {
  limit: number;
  /** Only products created after this sequence number (from a cursor). */
  afterSeq?: number;
}

export interface ProductPage {
  items: Product[];
  /** The sequence number to continue after, or null on the last page. */
  nextSeq: number | null;
}

export interface DeleteResult {
  /** Orders whose held reservation the deletion turned "lost". */
  lost: string[];
}

export interface InventoryStore {
  /** The events written beside each state change, for the relay to publish. */
  readonly outbox: Outbox;

  /**
   * Emits inventory.product_saved. Throws a conflict AppError when another
   * product has the same sku.
   */
  createProduct(input: NewProduct): Promise<Product>;
  getProduct(id: string): Promise<Product | null>;
  listProducts(options: ListOptions): Promise<ProductPage>;
  /** Emits inventory.product_saved when the patch renamed or repriced the product. */
  updateProduct(id: string, patch: ProductPatch): Promise<Product | null>;
  restock(id: string, quantity: number): Promise<Product | null>;
  /**
   * Removes the product; every held reservation containing it becomes "lost"
   * (its other lines go back to stock) and emits inventory.reservation_lost,
   * then inventory.product_deleted. Null when the product does not exist.
   */
  deleteProduct(id: string, cause?: Cause): Promise<DeleteResult | null>;
  /** The product's like count after the customer's like (counted once), or null. */
  like(productId: string, customerId: string): Promise<number | null>;
  /** The catalog's tags, most used first (`domain/tags.ts`), at most `limit`. */
  tags(limit: number): Promise<TagCount[]>;
  /**
   * Up to `limit` products that go with this one, ranked by `rankRelated`
   * (`domain/related.ts`); null when the product does not exist.
   */
  related(productId: string, limit: number): Promise<Product[] | null>;

  /** Holds every line or none, and answers stock_reserved or reservation_rejected. */
  reserve(orderId: string, items: readonly OrderLine[], cause?: Cause): Promise<Reservation>;
  /**
   * Turns held stock into sold stock and counts each pair of the order's
   * products as bought together, once per order (a repeated commit counts
   * nothing); null when the order has no record.
   */
  commit(orderId: string, cause?: Cause): Promise<Reservation | null>;
  /** Gives back what the order holds or bought; leaves a tombstone when nothing came first. */
  release(orderId: string, cause?: Cause): Promise<Reservation>;
  getReservation(orderId: string): Promise<Reservation | null>;

  /** The counters behind the SPEC stock invariant (never served over HTTP). */
  ledger(productId: string): Promise<StockLedger | null>;
  /** Throws when the storage cannot be reached. */
  ping(): Promise<void>;
}
