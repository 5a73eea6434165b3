/**
 * The accounts use cases: sign-up, deposits, and answering the order saga's
 * payment and refund requests. Knows nothing of HTTP or of the bus beyond the
 * envelopes it writes to the outbox.
 *
 * @module
 */
import type { Envelope, EventData } from "../../../bus/types.ts";
import { signCustomerToken } from "../../../lib/auth.ts";
import { invalid, notFound } from "../../../lib/errors.ts";
import { outboxEvent } from "../../../lib/outbox.ts";
import type { Settings } from "../../../lib/settings.ts";
import type { paymentRequested, refundRequested } from "../../orders/events.ts";
import { customerRegistered, paymentFailed, paymentRefunded, paymentSucceeded } from "../events.ts";
import type {
  AccountsStore,
  Customer,
  LedgerEntry,
  PaymentOutcome,
  PaymentRecord,
  RefundOutcome,
} from "../store/types.ts";

/** Names the publisher in every envelope accounts writes. */
export const SOURCE = "accounts";

export interface SignUp {
  name: string;
  email: string;
  /** Only the admin may open an account with money in it (checked by the caller). */
  balance?: number;
}

export interface SignedUp {
  customer: Customer;
  token: string;
}

export class Accounts {
  /** `changed` is called after every write that appended to the outbox (the relay's wake). */
  constructor(
    readonly store: AccountsStore,
    private readonly settings: Settings,
    private readonly changed: () => void = () => {},
  ) {}

  async signUp(input: SignUp): Promise<SignedUp> {
    const opening = input.balance ?? 0;
    const credit = this.settings.signupCredit;
    if (!Number.isSafeInteger(opening + credit)) {
      throw invalid(`Opening balance ${opening} plus the sign-up credit ${credit} is too large`);
    }
    const id = `cus_${crypto.randomUUID().replaceAll("-", "")}`;
    const registered = outboxEvent(SOURCE, customerRegistered, {
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
    }, registered);
    this.changed();
    return { customer, token: await signCustomerToken(this.settings.authSecret, id) };
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
      outboxEvent(SOURCE, paymentFailed, { order_id, customer_id, reason }, cause);
    const outcome = await this.store.takePayment(
      { order_id, customer_id, amount },
      new Date().toISOString(),
      {
        succeeded: outboxEvent(SOURCE, paymentSucceeded, { order_id, customer_id, amount }, cause),
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
        outboxEvent(SOURCE, paymentRefunded, {
          order_id,
          customer_id: charge.customer_id,
          amount: charge.amount,
        }, cause),
    );
    if (outcome === "refunded") this.changed();
    return outcome;
  }
}
