/**
 * The payment rules, as plain functions. The memory store applies them
 * directly; the Redis store's Lua scripts (`store/redis_scripts.ts`) mirror them,
 * and the shared store conformance suite checks that both agree.
 *
 * @module
 */
import type {
  Customer,
  CustomerPosition,
  FailureReason,
  LedgerEntry,
  MoneyAudit,
  PaymentRecord,
} from "./types.ts";

export type PaymentDecision =
  /** The order already has a payment record: answer nothing new. */
  | { kind: "already_decided" }
  /** Refuse without taking anything; `record` says whether a failure record must be written. */
  | { kind: "refuse"; reason: FailureReason; record: boolean }
  | { kind: "charge" };

/**
 * An order is charged at most once, ever: any earlier record decides. A void
 * (refund before charge) is answered again each time, because the saga that
 * asks may never have heard why its payment never came.
 */
export function decidePayment(
  existing: PaymentRecord | null,
  balance: number | null,
  amount: number,
): PaymentDecision {
  if (existing) {
    return existing.status === "voided"
      ? { kind: "refuse", reason: "voided", record: false }
      : { kind: "already_decided" };
  }
  if (balance === null) return { kind: "refuse", reason: "unknown_customer", record: true };
  if (balance < amount) return { kind: "refuse", reason: "insufficient_funds", record: true };
  return { kind: "charge" };
}

export type RefundDecision = "refund" | "void" | "nothing";

/** Only a charge can be refunded, and only once; with no record yet, void the order. */
export function decideRefund(existing: PaymentRecord | null): RefundDecision {
  if (!existing) return "void";
  return existing.status === "charged" ? "refund" : "nothing";
}

/** A balance may never pass what a double can count exactly. */
export function depositFits(balance: number, amount: number): boolean {
  return balance + amount <= Number.MAX_SAFE_INTEGER;
}

/** Sums a ledger into the terms of the money invariant. */
export function auditLedger(balance: number, ledger: readonly LedgerEntry[]): MoneyAudit {
  const audit: MoneyAudit = { balance, deposits: 0, charges: 0, refunds: 0 };
  for (const entry of ledger) {
    if (entry.type === "deposit") audit.deposits += entry.amount;
    else if (entry.type === "charge") audit.charges += entry.amount;
    else audit.refunds += entry.amount;
  }
  return audit;
}

/** deposits = balance + charges − refunds. */
export function moneyAddsUp(audit: MoneyAudit): boolean {
  return audit.deposits === audit.balance + audit.charges - audit.refunds;
}

/** Emails are unique regardless of case. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** A customer listing's search: a case-insensitive substring of the name or the email. */
export function customerMatches(customer: Pick<Customer, "name" | "email">, q: string): boolean {
  const needle = q.toLowerCase();
  return customer.name.toLowerCase().includes(needle) ||
    customer.email.toLowerCase().includes(needle);
}

export function positionOf(customer: Pick<Customer, "id" | "created_at">): CustomerPosition {
  return { created: Date.parse(customer.created_at), id: customer.id };
}

/** Whether `customer` lists after `position`, newest first (equal times: id descending). */
export function listsAfter(
  customer: Pick<Customer, "id" | "created_at">,
  position: CustomerPosition,
): boolean {
  const created = Date.parse(customer.created_at);
  return created < position.created || (created === position.created && customer.id < position.id);
}
