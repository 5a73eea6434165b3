/**
 * Accounts on Redis, every key under `<keyPrefix>{accounts}:`:
 *
 * - `customer:<id>` hash {id, name, email, balance, created_at, password_hash?}
 * - `email:<lower-case email>` → customer id (uniqueness, sign-in)
 * - `customers` sorted set, all scores 0, members `<created ms, 16 digits>:<id>`:
 *   the listing index, newest first by ZREVRANGEBYLEX
 * - `signin:email:<lower-case email>`, `signin:addr:<address>`: failed sign-ins
 *   in the current window (`RedisFailureLimiter`)
 * - `ledger:<id>` list of ledger lines, oldest first (redis_codec.ts)
 * - `payment:<order id>` hash {customer_id, amount, status, reason?, at, refunded_at?}
 *   (times as epoch ms), the one payment record of an order
 * - `outbox` stream read by the OutboxRelay, and `outbox:lease`: which process relays it now
 *   (both unused while events go straight to a Redis bus on this server: lib/redis_outbox.ts)
 * - `fence`: written after each script while REDIS_WAIT_REPLICAS is set, so the WAIT covers
 *   what a script read, too (expires within a second: lib/redis_replicated.ts)
 *
 * Each change is one Lua script (`redis_scripts.ts`) that also XADDs its events, to the
 * key `outbox.route()` names for each (a bus stream or the outbox). Every key a script touches
 * is in its KEYS; a payment touches the order's payment and the customer's hash and ledger,
 * and a sign-up the email and listing indexes, so the module's keys share one hash tag
 * (`{accounts}`): one Redis Cluster slot.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import { conflict } from "../../../lib/errors.ts";
import { moduleKeyPrefix } from "../../../lib/module.ts";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { RedisFailureLimiter } from "../../../lib/failure_limiter.ts";
import { type BusStreams, RedisOutbox, StoreOutbox } from "../../../lib/redis_outbox.ts";
import { decodeLedgerLine, encodeLedgerLine, isoOfField, timeField } from "./redis_codec.ts";
import { auditLedger, customerMatches, emailKey, positionOf } from "../domain/rules.ts";
import {
  createCustomerScript,
  depositScript,
  refundPaymentScript,
  takePaymentScript,
} from "./redis_scripts.ts";
import type { AccountsStore, PaymentEvents } from "./types.ts";
import type { Credentials, Customer, CustomerPage, CustomerPosition } from "../domain/types.ts";
import type { CustomerQuery, FailureReason, LedgerEntry, MoneyAudit } from "../domain/types.ts";
import type { NewCustomer, PaymentOutcome, PaymentRecord } from "../domain/types.ts";
import type { PaymentRequest, PaymentStatus, RefundOutcome } from "../domain/types.ts";

/** How often a refund re-reads a record that changed under it before giving up. */
const REFUND_ATTEMPTS = 5;
/** Index members read per round trip while a search filters them. */
const SEARCH_BATCH = 200;

/** The listing index member of a position: equal scores sort by member, bytewise. */
function memberOf(position: CustomerPosition): string {
  return `${String(position.created).padStart(16, "0")}:${position.id}`;
}

const idOfMember = (member: string) => member.slice(member.indexOf(":") + 1);

export class RedisAccountsStore implements AccountsStore {
  /** What the scripts append to (`outbox.key`) and the relay reads, one process at a time. */
  readonly outbox: StoreOutbox;
  readonly signIns: RedisFailureLimiter;

  readonly #prefix: string;

  /**
   * Every key under `<keyPrefix>{accounts}:`; events go straight into `busStreams` when given
   * (a Redis bus on this server), else into the outbox.
   */
  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    busStreams: BusStreams | null = null,
  ) {
    const prefix = this.#prefix = moduleKeyPrefix(keyPrefix, "accounts");
    this.outbox = new StoreOutbox(redis, `${prefix}outbox`, busStreams);
    this.signIns = new RedisFailureLimiter(redis, `${prefix}signin:`);
  }

  async createCustomer(input: NewCustomer, registered: Envelope): Promise<Customer> {
    const deposits = input.deposits.filter((amount) => amount > 0);
    const balance = deposits.reduce((sum, amount) => sum + amount, 0);
    const lines = deposits.map((amount) =>
      encodeLedgerLine({ type: "deposit", amount, at: input.created_at })
    );
    const route = this.outbox.route();
    const created = await createCustomerScript.run(
      this.redis,
      [
        this.#email(input.email),
        this.#customer(input.id),
        this.#ledger(input.id),
        route.keyOf(registered.type),
        this.#index(),
      ],
      [
        input.id,
        input.name,
        input.email,
        input.created_at,
        balance,
        RedisOutbox.encode(registered),
        input.password_hash ?? "",
        memberOf(positionOf(input)),
        ...lines,
      ],
    );
    route.written();
    if (created !== 1) throw conflict(`A customer with email "${input.email}" already exists`);
    return {
      id: input.id,
      name: input.name,
      email: input.email,
      balance,
      created_at: input.created_at,
    };
  }

  async customer(id: string): Promise<Customer | null> {
    const hash = await this.redis.hgetall(this.#customer(id));
    return hash.id ? customerFrom(hash) : null;
  }

  async credentials(email: string): Promise<Credentials | null> {
    const id = await this.redis.get(this.#email(email));
    if (id === null) return null;
    const hash = await this.redis.hgetall(this.#customer(id));
    if (!hash.id) return null;
    return { customer: customerFrom(hash), password_hash: hash.password_hash || null };
  }

  /**
   * One ZREVRANGEBYLEX from the cursor for a plain page. A search reads the
   * index on in batches and filters the customers it loads, so a page costs
   * a read of every customer between its start and its last match: fine for
   * thousands of customers, and the place for a search index past that.
   */
  async listCustomers({ q, limit, after }: CustomerQuery): Promise<CustomerPage> {
    const batch = q ? Math.max(limit + 1, SEARCH_BATCH) : limit + 1;
    const found: Customer[] = [];
    let max = after ? `(${memberOf(after)}` : "+";
    while (found.length <= limit) {
      const members = await this.redis.zrevrangebylex(this.#index(), max, "-", "LIMIT", 0, batch);
      for (const customer of await this.#load(members.map(idOfMember))) {
        if (!q || customerMatches(customer, q)) found.push(customer);
      }
      if (members.length < batch) break;
      max = `(${members.at(-1)}`;
    }
    const customers = found.slice(0, limit);
    return { customers, next: found.length > limit ? positionOf(customers.at(-1)!) : null };
  }

  async deposit(id: string, amount: number, at: string): Promise<Customer | null> {
    const line = encodeLedgerLine({ type: "deposit", amount, at });
    const result = Number(
      await depositScript.run(
        this.redis,
        [this.#customer(id), this.#ledger(id)],
        [amount, line, Number.MAX_SAFE_INTEGER],
      ),
    );
    if (result === -1) return null;
    if (result === -2) throw conflict(`A deposit of ${amount} would overflow the balance`);
    // Name and email never change, so only the balance must come from the script.
    const customer = await this.customer(id);
    return customer ? { ...customer, balance: result } : null;
  }

  async ledger(id: string): Promise<LedgerEntry[] | null> {
    const [[, exists], [, lines]] = await this.redis.multi()
      .exists(this.#customer(id))
      .lrange(this.#ledger(id), 0, -1)
      .exec() as [[unknown, number], [unknown, string[]]];
    if (!exists) return null;
    return lines.map(decodeLedgerLine);
  }

  async takePayment(
    request: PaymentRequest,
    at: string,
    events: PaymentEvents,
  ): Promise<PaymentOutcome> {
    const line = encodeLedgerLine({
      type: "charge",
      amount: request.amount,
      order_id: request.order_id,
      at,
    });
    // Laid out like createCustomer's call: each script is handed the keys it touches, by
    // name; other keys, another script.
    const route = this.outbox.route();
    const outcome = await takePaymentScript.run(
      this.redis,
      [
        this.#payment(request.order_id),
        this.#customer(request.customer_id),
        this.#ledger(request.customer_id),
        route.keyOf(events.succeeded.type),
        route.keyOf(events.insufficient_funds.type),
        route.keyOf(events.unknown_customer.type),
        route.keyOf(events.voided.type),
      ],
      [
        request.order_id,
        request.customer_id,
        request.amount,
        timeField(at),
        line,
        RedisOutbox.encode(events.succeeded),
        RedisOutbox.encode(events.insufficient_funds),
        RedisOutbox.encode(events.unknown_customer),
        RedisOutbox.encode(events.voided),
      ],
    );
    route.written();
    return outcome as PaymentOutcome;
  }

  async refundPayment(
    orderId: string,
    customerId: string,
    at: string,
    refunded: (charge: PaymentRecord) => Envelope,
  ): Promise<RefundOutcome> {
    // Read, build the event from what was charged, then let the script check
    // that the record is still what we read (optimistic; a charge and a
    // refund racing for one order make us read again).
    for (let attempt = 0; attempt < REFUND_ATTEMPTS; attempt++) {
      const seen = await this.payment(orderId);
      if (seen && seen.status !== "charged") return "nothing_to_refund";
      const owner = seen?.customer_id ?? customerId;
      const event = seen ? refunded(seen) : null;
      const args = seen && event
        ? [
          "charged",
          orderId,
          owner,
          timeField(at),
          encodeLedgerLine({ type: "refund", amount: seen.amount, order_id: orderId, at }),
          RedisOutbox.encode(event),
        ]
        : ["none", orderId, owner, timeField(at), "", ""];
      const route = this.outbox.route();
      // Without a charge there is no event: the outbox key only fills its place.
      const target = event ? route.keyOf(event.type) : this.outbox.key;
      const outcome = await refundPaymentScript.run(
        this.redis,
        [this.#payment(orderId), this.#customer(owner), this.#ledger(owner), target],
        args,
      );
      route.written();
      if (outcome !== "retry") return outcome as RefundOutcome;
    }
    throw new Error(`Payment record of order "${orderId}" kept changing during a refund`);
  }

  async payment(orderId: string): Promise<PaymentRecord | null> {
    const hash = await this.redis.hgetall(this.#payment(orderId));
    if (!hash.status) return null;
    const record: PaymentRecord = {
      order_id: orderId,
      customer_id: hash.customer_id ?? "",
      amount: Number(hash.amount ?? 0),
      status: hash.status as PaymentStatus,
      at: isoOfField(hash.at ?? ""),
    };
    if (hash.reason) record.reason = hash.reason as FailureReason;
    if (hash.refunded_at) record.refunded_at = isoOfField(hash.refunded_at);
    return record;
  }

  async audit(customerId: string): Promise<MoneyAudit | null> {
    const [[, balance], [, lines]] = await this.redis.multi()
      .hget(this.#customer(customerId), "balance")
      .lrange(this.#ledger(customerId), 0, -1)
      .exec() as [[unknown, string | null], [unknown, string[]]];
    if (balance === null) return null;
    return auditLedger(Number(balance), lines.map(decodeLedgerLine));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The customers with these ids, in order; ids without a record are left out. */
  async #load(ids: readonly string[]): Promise<Customer[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#customer(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, hash]) => {
      if (error) throw error;
      const fields = hash as Record<string, string>;
      return fields.id ? [customerFrom(fields)] : [];
    });
  }

  #index(): string {
    return `${this.#prefix}customers`;
  }
  #customer(id: string): string {
    return `${this.#prefix}customer:${id}`;
  }
  #ledger(id: string): string {
    return `${this.#prefix}ledger:${id}`;
  }
  #email(email: string): string {
    return `${this.#prefix}email:${emailKey(email)}`;
  }
  #payment(orderId: string): string {
    return `${this.#prefix}payment:${orderId}`;
  }
}

function customerFrom(hash: Record<string, string>): Customer {
  return {
    id: hash.id!,
    name: hash.name ?? "",
    email: hash.email ?? "",
    balance: Number(hash.balance ?? 0),
    created_at: hash.created_at ?? "",
  };
}
