/**
 * The store contract that the memory and Redis accounts stores both fulfil
 * (held to one conformance suite, `testing/modules/accounts/store_conformance.ts`).
 *
 * Every method that changes state also appends the events it causes to the
 * store's outbox in the same atomic step, so a crash can never keep one
 * without the other.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import type { FailureLimiter } from "../../../lib/failure_limiter.ts";
import type { Outbox } from "../../../lib/outbox.ts";
import type { Credentials, Customer, CustomerPage, CustomerQuery } from "../domain/types.ts";
import type { LedgerEntry, MoneyAudit, NewCustomer, PaymentOutcome } from "../domain/types.ts";
import type { PaymentRecord, PaymentRequest, RefundOutcome } from "../domain/types.ts";

/**
 * Every answer a payment request may give, built before the atomic step so
 * that the step (a Lua script on Redis) only has to pick one.
 */
export interface PaymentEvents {
  succeeded: Envelope;
  insufficient_funds: Envelope;
  unknown_customer: Envelope;
  voided: Envelope;
}

export interface AccountsStore {
  readonly outbox: Outbox;
  /** Failed sign-ins per email and per client address, in this store's keyspace. */
  readonly signIns: FailureLimiter;
  /** Throws a `conflict` AppError when the email (case-insensitive) is taken. */
  createCustomer(customer: NewCustomer, registered: Envelope): Promise<Customer>;
  customer(id: string): Promise<Customer | null>;
  /** The customer with this email (case-insensitive) and its password hash; null when none. */
  credentials(email: string): Promise<Credentials | null>;
  /** Customers newest first, filtered by `q`, one page at a time. */
  listCustomers(query: CustomerQuery): Promise<CustomerPage>;
  /**
   * Null for an unknown customer; throws a `conflict` AppError when the balance
   * would pass Number.MAX_SAFE_INTEGER.
   */
  deposit(id: string, amount: number, at: string): Promise<Customer | null>;
  /** Oldest first; null for an unknown customer. */
  ledger(id: string): Promise<LedgerEntry[] | null>;
  takePayment(request: PaymentRequest, at: string, events: PaymentEvents): Promise<PaymentOutcome>;
  /** `refunded` builds the event from the charge being refunded. */
  refundPayment(
    orderId: string,
    customerId: string,
    at: string,
    refunded: (charge: PaymentRecord) => Envelope,
  ): Promise<RefundOutcome>;
  payment(orderId: string): Promise<PaymentRecord | null>;
  /** Sums the ledger; null for an unknown customer. */
  audit(customerId: string): Promise<MoneyAudit | null>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
}
