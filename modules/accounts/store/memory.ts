/**
 * Accounts in process memory. Every method does its whole change, outbox
 * included, in one synchronous step, which is what makes it atomic here.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import { conflict } from "../../../lib/errors.ts";
import { MemoryFailureLimiter } from "../../../lib/failure_limiter.ts";
import { MemoryOutbox } from "../../../lib/outbox.ts";
import {
  auditLedger,
  customerMatches,
  decidePayment,
  decideRefund,
  depositFits,
  emailKey,
  listsAfter,
  positionOf,
} from "../domain/rules.ts";
import type { AccountsStore, PaymentEvents } from "./types.ts";
import type { Credentials, Customer, CustomerPage, CustomerQuery } from "../domain/types.ts";
import type { LedgerEntry, MoneyAudit, NewCustomer, PaymentOutcome } from "../domain/types.ts";
import type { PaymentRecord, PaymentRequest, RefundOutcome } from "../domain/types.ts";

export class MemoryAccountsStore implements AccountsStore {
  readonly outbox: MemoryOutbox = new MemoryOutbox();
  readonly signIns: MemoryFailureLimiter = new MemoryFailureLimiter();
  readonly #customers = new Map<string, Customer>();
  readonly #passwords = new Map<string, string>();
  readonly #emails = new Map<string, string>();
  readonly #ledgers = new Map<string, LedgerEntry[]>();
  readonly #payments = new Map<string, PaymentRecord>();

  createCustomer(input: NewCustomer, registered: Envelope): Promise<Customer> {
    const key = emailKey(input.email);
    if (this.#emails.has(key)) {
      return Promise.reject(conflict(`A customer with email "${input.email}" already exists`));
    }
    const deposits = input.deposits.filter((amount) => amount > 0);
    const customer: Customer = {
      id: input.id,
      name: input.name,
      email: input.email,
      balance: deposits.reduce((sum, amount) => sum + amount, 0),
      created_at: input.created_at,
    };
    this.#emails.set(key, input.id);
    this.#customers.set(input.id, customer);
    if (input.password_hash) this.#passwords.set(input.id, input.password_hash);
    this.#ledgers.set(
      input.id,
      deposits.map((amount) => ({ type: "deposit", amount, at: input.created_at })),
    );
    this.outbox.append(registered);
    return Promise.resolve({ ...customer });
  }

  customer(id: string): Promise<Customer | null> {
    const customer = this.#customers.get(id);
    return Promise.resolve(customer ? { ...customer } : null);
  }

  credentials(email: string): Promise<Credentials | null> {
    const id = this.#emails.get(emailKey(email));
    const customer = id === undefined ? undefined : this.#customers.get(id);
    if (!customer) return Promise.resolve(null);
    return Promise.resolve({
      customer: { ...customer },
      password_hash: this.#passwords.get(customer.id) ?? null,
    });
  }

  listCustomers({ q, limit, after }: CustomerQuery): Promise<CustomerPage> {
    const newestFirst = [...this.#customers.values()]
      .filter((c) => (!after || listsAfter(c, after)) && (!q || customerMatches(c, q)))
      .sort((a, b) =>
        Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : -1)
      );
    const customers = newestFirst.slice(0, limit).map((c) => ({ ...c }));
    const more = newestFirst.length > limit;
    return Promise.resolve({ customers, next: more ? positionOf(customers.at(-1)!) : null });
  }

  deposit(id: string, amount: number, at: string): Promise<Customer | null> {
    const customer = this.#customers.get(id);
    if (!customer) return Promise.resolve(null);
    if (!depositFits(customer.balance, amount)) {
      return Promise.reject(conflict(`A deposit of ${amount} would overflow the balance`));
    }
    customer.balance += amount;
    this.#ledgerOf(id).push({ type: "deposit", amount, at });
    return Promise.resolve({ ...customer });
  }

  ledger(id: string): Promise<LedgerEntry[] | null> {
    const ledger = this.#ledgers.get(id);
    return Promise.resolve(ledger ? ledger.map((entry) => ({ ...entry })) : null);
  }

  takePayment(request: PaymentRequest, at: string, events: PaymentEvents): Promise<PaymentOutcome> {
    const customer = this.#customers.get(request.customer_id) ?? null;
    const decision = decidePayment(
      this.#payments.get(request.order_id) ?? null,
      customer?.balance ?? null,
      request.amount,
    );
    if (decision.kind === "already_decided") return Promise.resolve("duplicate");
    if (decision.kind === "refuse") {
      if (decision.record) {
        this.#payments.set(request.order_id, {
          ...request,
          status: "failed",
          reason: decision.reason,
          at,
        });
      }
      this.outbox.append(events[decision.reason]);
      return Promise.resolve(decision.reason);
    }
    customer!.balance -= request.amount;
    this.#ledgerOf(request.customer_id).push({
      type: "charge",
      amount: request.amount,
      order_id: request.order_id,
      at,
    });
    this.#payments.set(request.order_id, { ...request, status: "charged", at });
    this.outbox.append(events.succeeded);
    return Promise.resolve("charged");
  }

  refundPayment(
    orderId: string,
    customerId: string,
    at: string,
    refunded: (charge: PaymentRecord) => Envelope,
  ): Promise<RefundOutcome> {
    const existing = this.#payments.get(orderId) ?? null;
    switch (decideRefund(existing)) {
      case "nothing":
        return Promise.resolve("nothing_to_refund");
      case "void":
        this.#payments.set(orderId, {
          order_id: orderId,
          customer_id: customerId,
          amount: 0,
          status: "voided",
          at,
        });
        return Promise.resolve("voided");
      case "refund": {
        const charge = existing!;
        // Build the event first: if it throws, nothing has changed yet.
        const event = refunded({ ...charge });
        const customer = this.#customers.get(charge.customer_id)!;
        customer.balance += charge.amount;
        this.#ledgerOf(charge.customer_id).push({
          type: "refund",
          amount: charge.amount,
          order_id: orderId,
          at,
        });
        this.#payments.set(orderId, { ...charge, status: "refunded", refunded_at: at });
        this.outbox.append(event);
        return Promise.resolve("refunded");
      }
    }
  }

  payment(orderId: string): Promise<PaymentRecord | null> {
    const record = this.#payments.get(orderId);
    return Promise.resolve(record ? { ...record } : null);
  }

  audit(customerId: string): Promise<MoneyAudit | null> {
    const customer = this.#customers.get(customerId);
    if (!customer) return Promise.resolve(null);
    return Promise.resolve(auditLedger(customer.balance, this.#ledgerOf(customerId)));
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  #ledgerOf(id: string): LedgerEntry[] {
    let ledger = this.#ledgers.get(id);
    if (!ledger) this.#ledgers.set(id, ledger = []);
    return ledger;
  }
}
