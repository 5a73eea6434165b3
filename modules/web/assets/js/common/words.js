// The saga's codes in plain words.

/** An order's short name: the last 8 characters of its id, in capitals. */
export const shortId = (id) => id.slice(-8).toUpperCase();

export const STATUS_WORDS = {
  pending: "Placed",
  reserved: "Stock reserved",
  paid: "Paid",
  confirmed: "Confirmed",
  rejected: "Not accepted",
  cancelled: "Cancelled",
  refunded: "Refunded",
};

export const TERMINAL = ["confirmed", "rejected", "cancelled", "refunded"];

/** Statuses from which the customer may still cancel (after confirmed: a refund). */
export const CANCELLABLE = ["pending", "reserved", "paid", "confirmed"];

const REASON_WORDS = {
  out_of_stock: "not enough stock",
  insufficient_funds: "insufficient balance",
  unknown_customer: "we could not find your account",
  unknown_product: "a product in it no longer exists",
  product_unavailable: "a product in it became unavailable",
  timeout: "the shop took too long to answer",
  cancelled: "you cancelled it",
};

export function reasonWords(reason) {
  if (!reason) return "";
  return REASON_WORDS[reason] ?? String(reason).replaceAll("_", " ");
}

export function statusWords(status) {
  return STATUS_WORDS[status] ?? status;
}

/** One sentence about where an order stands, for the live status line. */
export function statusSentence(order) {
  const reason = reasonWords(order.reason);
  switch (order.status) {
    case "pending":
      return "Order placed. Checking stock…";
    case "reserved":
      return "Stock reserved. Taking payment…";
    case "paid":
      return "Paid. Confirming your order…";
    case "confirmed":
      return "Confirmed. Thank you for your order!";
    case "rejected":
      return `Not accepted: ${reason || "the shop could not take it"}. Nothing was charged.`;
    case "cancelled":
      return "Cancelled. Any payment was refunded.";
    case "refunded":
      return reason ? `Refunded: ${reason}.` : "Refunded to your balance.";
    default:
      return statusWords(order.status);
  }
}

export const LEDGER_WORDS = {
  deposit: "Deposit",
  charge: "Payment",
  refund: "Refund",
};
