/**
 * The rules of an order's reservation, as a state machine:
 *
 *   (none) ──placed──▶ held ──commit──▶ committed ──release──▶ returned
 *     │                  │ └──release──▶ released
 *     │                  └──product deleted──▶ lost
 *     ├──placed, short──▶ rejected
 *     └──release first──▶ released (a tombstone: a late order.placed is refused)
 *
 * The memory store applies these functions directly; the Redis Lua scripts
 * mirror them, and the one store conformance suite holds both to the same
 * behaviour.
 *
 * @module
 */

export const RESERVATION_STATES = [
  "held",
  "committed",
  "released",
  "returned",
  "lost",
  "rejected",
] as const;
export type ReservationState = typeof RESERVATION_STATES[number];

export type RejectionReason = "unknown_product" | "out_of_stock";

/**
 * The most units one line may carry (the event contracts' `quantity`); order
 * lines for the same product are summed, and a sum past this is refused as
 * out of stock rather than published as an event no consumer would accept.
 */
export const MAX_LINE_QUANTITY = 1_000_000;

export interface OrderLine {
  product_id: string;
  quantity: number;
}

export interface ReservedLine extends OrderLine {
  /** Fixed when the stock is held; later price changes do not touch it. */
  unit_price: number;
}

export interface Reservation {
  order_id: string;
  state: ReservationState;
  /** Empty for a rejection and for a release tombstone. */
  lines: ReservedLine[];
  /** Why it was rejected (state "rejected"). */
  reason: RejectionReason | null;
  /** The product that was missing or short (rejected), or deleted (lost). */
  product_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One line per product, quantities summed, in the order products first appear. */
export function mergeLines(items: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const item of items) {
    merged.set(item.product_id, (merged.get(item.product_id) ?? 0) + item.quantity);
  }
  return [...merged].map(([product_id, quantity]) => ({ product_id, quantity }));
}

export interface Shelf {
  stock: number;
  price: number;
}

export type ReservationDecision =
  | { held: true; lines: ReservedLine[] }
  | { held: false; reason: RejectionReason; product_id: string };

/**
 * All or nothing: an unknown product anywhere rejects the order before any
 * line's stock is looked at; otherwise the first short line rejects it.
 */
export function decideReservation(
  lines: readonly OrderLine[],
  shelfOf: (productId: string) => Shelf | null,
): ReservationDecision {
  const shelves = lines.map((line) => shelfOf(line.product_id));
  const unknown = lines.findIndex((_, i) => shelves[i] === null);
  if (unknown >= 0) {
    return { held: false, reason: "unknown_product", product_id: lines[unknown]!.product_id };
  }
  const short = lines.findIndex((line, i) =>
    line.quantity > MAX_LINE_QUANTITY || shelves[i]!.stock < line.quantity
  );
  if (short >= 0) {
    return { held: false, reason: "out_of_stock", product_id: lines[short]!.product_id };
  }
  return {
    held: true,
    lines: lines.map((line, i) => ({ ...line, unit_price: shelves[i]!.price })),
  };
}

/**
 * What a repeated order.placed gets when the order already has a record: the
 * same answer while it still stands (at-least-once delivery must never hold
 * stock twice), nothing once the saga has moved past it or released first.
 */
export function answerToRepeatedPlacement(
  state: ReservationState,
): "repeat_reserved" | "repeat_rejected" | "nothing" {
  if (state === "held") return "repeat_reserved";
  if (state === "rejected") return "repeat_rejected";
  return "nothing";
}

export type CommitDecision =
  | { kind: "commit" }
  | { kind: "already_committed" }
  | { kind: "fail"; reason: "reservation_lost" | "reservation_released" };

/**
 * Held stock becomes sold. Without a record there is nothing to commit: we
 * answer `reservation_lost` so the saga compensates instead of waiting.
 */
export function decideCommit(state: ReservationState | null): CommitDecision {
  switch (state) {
    case "held":
      return { kind: "commit" };
    case "committed":
      return { kind: "already_committed" };
    case "lost":
    case null:
      return { kind: "fail", reason: "reservation_lost" };
    case "released":
    case "returned":
    case "rejected":
      return { kind: "fail", reason: "reservation_released" };
  }
}

export type ReleaseDecision =
  | { kind: "release" }
  | { kind: "return" }
  | { kind: "tombstone" }
  | { kind: "repeat"; returned: boolean };

/**
 * Held stock goes back on the shelf, sold stock is returned, and a release
 * that arrives before the reservation leaves a tombstone. Anything already
 * given back is answered again but never given back twice.
 */
export function decideRelease(state: ReservationState | null): ReleaseDecision {
  switch (state) {
    case null:
      return { kind: "tombstone" };
    case "held":
      return { kind: "release" };
    case "committed":
      return { kind: "return" };
    case "returned":
      return { kind: "repeat", returned: true };
    case "released":
    case "lost":
    case "rejected":
      return { kind: "repeat", returned: false };
  }
}
