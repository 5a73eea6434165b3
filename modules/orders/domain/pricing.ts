/**
 * Prices fixed at reservation: subtotal, fee and total, in exact integer
 * arithmetic (BigInt), because quantity × price × basis points can pass 2^53
 * long before the total itself does.
 *
 * @module
 */
import type { OrderLine } from "./order.ts";
import type { ReservedLine } from "./decision.ts";

export interface Priced {
  items: OrderLine[];
  subtotal: number;
  fee: number;
  total: number;
}

export type PricingResult =
  | { ok: true; priced: Priced }
  | { ok: false; problem: "mismatch" | "too_large"; detail: string };

/** fee = round(subtotal × bps / 10000), halves rounded up (all amounts are non-negative). */
export function feeOf(subtotal: bigint, feeBps: number): bigint {
  return (subtotal * BigInt(feeBps) + 5_000n) / 10_000n;
}

/**
 * Puts inventory's prices on the order's lines. The reservation must cover
 * exactly the lines ordered; anything else is a broken answer we must not charge on.
 */
export function priceLines(
  items: readonly OrderLine[],
  lines: readonly ReservedLine[],
  feeBps: number,
): PricingResult {
  const byProduct = new Map(lines.map((line) => [line.product_id, line]));
  if (byProduct.size !== lines.length || lines.length !== items.length) {
    return { ok: false, problem: "mismatch", detail: "reserved lines differ from ordered lines" };
  }
  let subtotal = 0n;
  const priced: OrderLine[] = [];
  for (const item of items) {
    const line = byProduct.get(item.product_id);
    if (!line || line.quantity !== item.quantity) {
      return {
        ok: false,
        problem: "mismatch",
        detail: `line for product "${item.product_id}" was not reserved as ordered`,
      };
    }
    subtotal += BigInt(item.quantity) * BigInt(line.unit_price);
    priced.push({ ...item, unit_price: line.unit_price });
  }
  const fee = feeOf(subtotal, feeBps);
  const total = subtotal + fee;
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, problem: "too_large", detail: `total ${total} is over the money limit` };
  }
  return {
    ok: true,
    priced: { items: priced, subtotal: Number(subtotal), fee: Number(fee), total: Number(total) },
  };
}
