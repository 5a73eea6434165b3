/**
 * The words customers read: a subject and a plain-text body for each order
 * outcome, and amounts written in the shop's currency.
 *
 * @module
 */
import type { Contact } from "./types.ts";

/** A currency's formatter and its minor-unit digits, made once (both cost far more than a format). */
interface Formatter {
  format: Intl.NumberFormat;
  digits: number;
}

const formatters = new Map<string, Formatter>();

function formatterOf(currency: string): Formatter {
  let formatter = formatters.get(currency);
  if (!formatter) {
    const format = new Intl.NumberFormat("en-US", { style: "currency", currency });
    formatter = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    formatters.set(currency, formatter);
  }
  return formatter;
}

/**
 * An amount in minor units as a person reads it in `currency` (ISO 4217):
 * 123456 USD → "$1,234.56", 500 JPY → "¥500". The decimal text is built from
 * the integer and handed to Intl as a string, which formats it exactly: the
 * amount never passes through a float division.
 */
export function formatMoney(minor: number, currency = "USD"): string {
  const { format, digits } = formatterOf(currency);
  const units = String(Math.abs(minor)).padStart(digits + 1, "0");
  const decimal = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  return format.format(`${minor < 0 ? "-" : ""}${decimal}` as Intl.StringNumericLiteral);
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

/**
 * `names`: what the ordered products are called, by id, as far as messaging
 * knows; `currency`: the shop's (CURRENCY), which amounts are written in.
 */
export function composeMessage(
  facts: OutcomeFacts,
  contact: Contact | null,
  names: ReadonlyMap<string, string> = new Map(),
  currency = "USD",
): Message {
  const hello = greeting(contact);
  const money = (minor: number) => formatMoney(minor, currency);
  const order = facts.order_id;
  switch (facts.kind) {
    case "confirmed": {
      const fee = facts.fee > 0 ? ` and a fee of ${money(facts.fee)}` : "";
      return {
        subject: `Your order ${order} is confirmed`,
        body: `${hello}\n\nyour order ${order} is confirmed:\n\n` +
          `${itemList(facts.items, names)}\n\n` +
          `We charged ${money(facts.total)} to your balance: ` +
          `${money(facts.subtotal)} for the goods${fee}.\n\n` +
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
    // Each outcome's text has the same form (subject, greeting, sentence, sign-off): other words.
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
        body: `${hello}\n\nwe refunded ${money(facts.amount)} for your order ${order} ` +
          `to your balance because ${describeReason(facts.reason)}.${SIGN_OFF}`,
      };
  }
}
