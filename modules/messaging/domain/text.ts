/**
 * The words customers read: a subject and a plain-text body for each order
 * outcome, and money written from cents.
 *
 * @module
 */
import type { Contact } from "../store/types.ts";

/** 123456 → "1,234.56". Integer arithmetic only: cents never pass through a float division. */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}${units}.${String(abs % 100).padStart(2, "0")}`;
}

/** Why an order did not go through, as the end of "…because …". */
const REASONS: Record<string, string> = {
  unknown_customer: "we could not find your account",
  unknown_product: "it names a product we do not sell",
  out_of_stock: "an item in it is out of stock",
  insufficient_funds: "your balance was too low to pay for it",
  timeout: "it could not be processed in time",
  product_unavailable: "a product in it is no longer available",
  cancelled: "it was cancelled",
};

export function describeReason(reason: string): string {
  return REASONS[reason] ?? `of "${reason}"`;
}

/** A line of a confirmed order, as the text needs it. */
export interface OrderedItem {
  product_id: string;
  quantity: number;
}

/** What each order outcome carries that the text needs. */
export type OutcomeFacts =
  | {
    kind: "confirmed";
    order_id: string;
    total: number;
    subtotal: number;
    fee: number;
    items: readonly OrderedItem[];
  }
  | { kind: "rejected"; order_id: string; reason: string }
  | { kind: "cancelled"; order_id: string; refund: boolean }
  | { kind: "refunded"; order_id: string; amount: number; reason: string };

export interface Message {
  subject: string;
  body: string;
}

function greeting(contact: Contact | null): string {
  return contact?.name ? `Hello ${contact.name},` : "Hello,";
}

const SIGN_OFF = "\n\nThank you for shopping with bazaar.";

/** "  3 × Teapot", one line per item; a product whose name messaging never heard shows its id. */
function itemList(items: readonly OrderedItem[], names: ReadonlyMap<string, string>): string {
  return items.map((item) =>
    `  ${item.quantity} × ${names.get(item.product_id) ?? item.product_id}`
  )
    .join("\n");
}

/** `names`: what the ordered products are called, by id, as far as messaging knows. */
export function composeMessage(
  facts: OutcomeFacts,
  contact: Contact | null,
  names: ReadonlyMap<string, string> = new Map(),
): Message {
  const hello = greeting(contact);
  const order = facts.order_id;
  switch (facts.kind) {
    case "confirmed": {
      const fee = facts.fee > 0 ? ` and a fee of ${formatMoney(facts.fee)}` : "";
      return {
        subject: `Your order ${order} is confirmed`,
        body: `${hello}\n\nyour order ${order} is confirmed:\n\n` +
          `${itemList(facts.items, names)}\n\n` +
          `We charged ${formatMoney(facts.total)} to your balance: ` +
          `${formatMoney(facts.subtotal)} for the goods${fee}.\n\n` +
          `Your invoice: /messaging/invoices/${order}${SIGN_OFF}`,
      };
    }
    case "rejected":
      return {
        subject: `Your order ${order} could not be completed`,
        body: `${hello}\n\nwe could not complete your order ${order} because ` +
          `${describeReason(facts.reason)}. ` +
          (facts.reason === "timeout"
            ? "Anything taken for it goes back to your balance."
            : "You have not been charged for it.") +
          SIGN_OFF,
      };
    case "cancelled":
      return {
        subject: `Your order ${order} is cancelled`,
        body: `${hello}\n\nyour order ${order} is cancelled. ` +
          (facts.refund
            ? "What you paid for it has been refunded to your balance."
            : "You have not been charged for it.") +
          SIGN_OFF,
      };
    case "refunded":
      return {
        subject: `Your order ${order} is refunded`,
        body: `${hello}\n\nwe refunded ${formatMoney(facts.amount)} for your order ${order} ` +
          `to your balance because ${describeReason(facts.reason)}.${SIGN_OFF}`,
      };
  }
}
