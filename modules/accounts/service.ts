/**
 * The accounts use cases: sign-up, deposits, and answering the order saga's
 * payment and refund requests. Knows nothing of HTTP or of the bus beyond the
 * envelopes it writes to the outbox.
 *
 * @module
 */
import type { Envelope, EventData } from "../../bus/mod.ts";
import { issueToken } from "../../lib/auth.ts";
import { invalid, notFound, tooManyRequests, unauthorized } from "../../lib/errors.ts";
import { outboxEvent } from "../../lib/outbox.ts";
import type { Settings } from "../../lib/settings.ts";
import type { paymentRequested, refundRequested } from "../orders/events.ts";
import {
  ACCOUNTS_SOURCE,
  customerRegistered,
  paymentFailed,
  paymentRefunded,
  paymentSucceeded,
} from "./events.ts";
import {
  hashPassword,
  OWASP_SCRYPT,
  type ScryptCost,
  verifyNothing,
  verifyPassword,
} from "./domain/passwords.ts";
import { emailKey } from "./domain/rules.ts";
import type { AccountsStore } from "./store/types.ts";
import type {
  Customer,
  CustomerPage,
  CustomerQuery,
  LedgerEntry,
  PaymentOutcome,
  PaymentRecord,
  RefundOutcome,
} from "./domain/types.ts";

export interface SignUp {
  name: string;
  email: string;
  /** Only the admin may open an account with money in it (checked by the caller). */
  balance?: number;
  /** Lets the customer sign in again; stored only as a hash. */
  password?: string;
}

/** A customer and a session token for it (sign-up and sign-in both answer one). */
export interface SignedIn {
  customer: Customer;
  token: string;
  expiresAt: Date;
}

/** One answer for a wrong email and a wrong password, so neither is confirmed. */
const WRONG_CREDENTIALS = "The email or the password is wrong";

export class AccountsService {
  /** `changed` is called after every write that appended to the outbox (the relay's wake). */
  constructor(
    readonly store: AccountsStore,
    private readonly settings: Settings,
    private readonly changed: () => void = () => {},
    /** What new password hashes cost; tests make it cheaper (stored hashes name their own). */
    private readonly passwordCost: ScryptCost = OWASP_SCRYPT,
  ) {}

  async signUp(input: SignUp): Promise<SignedIn> {
    const opening = input.balance ?? 0;
    const credit = this.settings.signupCredit;
    if (!Number.isSafeInteger(opening + credit)) {
      throw invalid(`Opening balance ${opening} plus the sign-up credit ${credit} is too large`);
    }
    const id = `cus_${crypto.randomUUID().replaceAll("-", "")}`;
    const registered = outboxEvent(ACCOUNTS_SOURCE, customerRegistered, {
      customer_id: id,
      name: input.name,
      email: input.email,
    });
    const customer = await this.store.createCustomer({
      id,
      name: input.name,
      email: input.email,
      created_at: new Date().toISOString(),
      // Both are ledger deposits, so deposits = balance + charges − refunds from the start.
      deposits: [opening, credit],
      ...(input.password === undefined
        ? {}
        : { password_hash: await hashPassword(input.password, this.passwordCost) }),
    }, registered);
    this.changed();
    return { customer, ...await this.#tokenFor(id) };
  }

  /**
   * Checks a password and hands out a new session token. Failures are
   * limited per email and per client address (`address`); past the limit
   * every attempt is refused, the right password too, until the window ends.
   * An unknown email costs the same hashing as a wrong password.
   */
  async signIn(email: string, password: string, address: string): Promise<SignedIn> {
    const keys = [`email:${emailKey(email)}`, `addr:${address}`];
    const wait = await this.store.signIns.claim(keys, {
      limit: this.settings.signinFailureLimit,
      windowMs: this.settings.signinWindowS * 1_000,
    });
    if (wait !== null) {
      throw tooManyRequests("Too many failed sign-ins: wait before trying again", wait / 1_000);
    }
    const found = await this.store.credentials(email);
    const matches = found?.password_hash
      ? await verifyPassword(password, found.password_hash)
      : await verifyNothing(password, this.passwordCost);
    if (!found || !matches) throw unauthorized(WRONG_CREDENTIALS);
    await this.store.signIns.forgive(keys);
    return { customer: found.customer, ...await this.#tokenFor(found.customer.id) };
  }

  listCustomers(query: CustomerQuery): Promise<CustomerPage> {
    return this.store.listCustomers(query);
  }

  #tokenFor(customerId: string): Promise<{ token: string; expiresAt: Date }> {
    return issueToken(
      this.settings.authSecret,
      { kind: "customer", customerId },
      this.settings.tokenTtlS,
    );
  }

  async customer(id: string): Promise<Customer> {
    const customer = await this.store.customer(id);
    if (!customer) throw notFound("Customer", id);
    return customer;
  }

  async deposit(id: string, amount: number): Promise<Customer> {
    const customer = await this.store.deposit(id, amount, new Date().toISOString());
    if (!customer) throw notFound("Customer", id);
    return customer;
  }

  async ledger(id: string): Promise<LedgerEntry[]> {
    const ledger = await this.store.ledger(id);
    if (!ledger) throw notFound("Customer", id);
    return ledger;
  }

  async payment(orderId: string): Promise<PaymentRecord> {
    const record = await this.store.payment(orderId);
    if (!record) throw notFound("Payment of order", orderId);
    return record;
  }

  /** Answers `order.payment_requested`: charges once per order, ever, or says why not. */
  async takePayment(
    cause: Envelope<EventData<typeof paymentRequested>>,
  ): Promise<PaymentOutcome> {
    const { order_id, customer_id, amount } = cause.data;
    const failed = (reason: "insufficient_funds" | "unknown_customer" | "voided") =>
      outboxEvent(ACCOUNTS_SOURCE, paymentFailed, { order_id, customer_id, reason }, cause);
    const outcome = await this.store.takePayment(
      { order_id, customer_id, amount },
      new Date().toISOString(),
      {
        succeeded: outboxEvent(
          ACCOUNTS_SOURCE,
          paymentSucceeded,
          { order_id, customer_id, amount },
          cause,
        ),
        insufficient_funds: failed("insufficient_funds"),
        unknown_customer: failed("unknown_customer"),
        voided: failed("voided"),
      },
    );
    if (outcome !== "duplicate") this.changed();
    return outcome;
  }

  /** Answers `order.refund_requested`: refunds a charge once, or voids the order's payment. */
  async refundPayment(
    cause: Envelope<EventData<typeof refundRequested>>,
  ): Promise<RefundOutcome> {
    const { order_id, customer_id } = cause.data;
    const outcome = await this.store.refundPayment(
      order_id,
      customer_id,
      new Date().toISOString(),
      (charge) =>
        outboxEvent(ACCOUNTS_SOURCE, paymentRefunded, {
          order_id,
          customer_id: charge.customer_id,
          amount: charge.amount,
        }, cause),
    );
    if (outcome === "refunded") this.changed();
    return outcome;
  }
}
