/**
 * What the accounts module keeps: customers, their ledgers, and the one
 * payment record per order. Plain data; the rules are in `rules.ts`.
 *
 * @module
 */

export interface Customer {
  id: string;
  name: string;
  email: string;
  /** Minor units. */
  balance: number;
  created_at: string;
}

export type LedgerType = "deposit" | "charge" | "refund";

/** One line of a customer's append-only ledger. */
export interface LedgerEntry {
  type: LedgerType;
  amount: number;
  /** Set on charges and refunds. */
  order_id?: string;
  at: string;
}

export type FailureReason = "insufficient_funds" | "unknown_customer" | "voided";

/**
 * What happened to an order's payment. One record per order, ever: it is what
 * makes "charged at most once" and "refunded at most once" hold.
 *
 * - `charged`: the amount was taken; may become `refunded`, nothing else.
 * - `failed`: nothing was taken and nothing ever will be for this order.
 * - `voided`: a refund came before any charge; later charges are refused.
 * - `refunded`: final.
 */
export type PaymentStatus = "charged" | "refunded" | "failed" | "voided";

export interface PaymentRecord {
  order_id: string;
  customer_id: string;
  amount: number;
  status: PaymentStatus;
  /** Why a `failed` payment failed. */
  reason?: FailureReason;
  at: string;
  refunded_at?: string;
}

export interface PaymentRequest {
  order_id: string;
  customer_id: string;
  amount: number;
}

/** `duplicate`: the order already had a payment record, so nothing changed. */
export type PaymentOutcome =
  | "charged"
  | "insufficient_funds"
  | "unknown_customer"
  | "voided"
  | "duplicate";

/** `voided`: nothing had been charged, a tombstone now refuses later charges. */
export type RefundOutcome = "refunded" | "voided" | "nothing_to_refund";

export interface NewCustomer {
  id: string;
  name: string;
  email: string;
  created_at: string;
  /** Opening deposits (initial balance, sign-up credit), each a ledger line; zeros are skipped. */
  deposits: number[];
  /** `domain/passwords.ts` format; none means the customer cannot sign in with a password. */
  password_hash?: string;
}

/** What sign-in checks a password against. */
export interface Credentials {
  customer: Customer;
  /** Null when the customer signed up without a password. */
  password_hash: string | null;
}

/**
 * Where a customer listing page ended. Listings run newest first, equal
 * creation times by id, descending; "after" a position is the same set
 * however many customers signed up since.
 */
export interface CustomerPosition {
  /** Creation time, ms since the epoch. */
  created: number;
  id: string;
}

export interface CustomerQuery {
  /** Case-insensitive substring of the name or the email; empty or absent matches everyone. */
  q?: string;
  limit: number;
  after: CustomerPosition | null;
}

export interface CustomerPage {
  customers: Customer[];
  /** Where the next page starts; null on the last page. */
  next: CustomerPosition | null;
}

/** The money invariant's terms for one customer: deposits = balance + charges − refunds. */
export interface MoneyAudit {
  balance: number;
  deposits: number;
  charges: number;
  refunds: number;
}
