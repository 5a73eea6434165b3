/**
 * The one accounts store suite, run by the memory and the Redis store alike
 * (`memory_test.ts`, `redis_test.ts`): both must keep the same money rules.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Envelope } from "../../../bus/types.ts";
import { AppError } from "../../../lib/errors.ts";
import { outboxEvent } from "../../../lib/outbox.ts";
import {
  customerRegistered,
  paymentFailed,
  paymentRefunded,
  paymentSucceeded,
} from "../../../modules/accounts/events.ts";
import { type OpenedStore, storeCase, type StoreHarness } from "../../store_suite.ts";
import { moneyAddsUp } from "../../../modules/accounts/domain/rules.ts";
import { runCustomerConformance } from "./store_conformance_customers.ts";
import type { AccountsStore, PaymentEvents } from "../../../modules/accounts/store/types.ts";
import type { PaymentRecord } from "../../../modules/accounts/domain/types.ts";

export type AccountsStoreHarness = StoreHarness<OpenedStore<AccountsStore>>;

const AT = "2030-01-01T00:00:00.000Z";
let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now()}_${counter++}`;

function registered(id: string, email: string): Envelope {
  return outboxEvent("accounts", customerRegistered, { customer_id: id, name: "Ada", email });
}

function paymentEvents(order_id: string, customer_id: string, amount: number): PaymentEvents {
  const failed = (reason: "insufficient_funds" | "unknown_customer" | "voided") =>
    outboxEvent("accounts", paymentFailed, { order_id, customer_id, reason });
  return {
    succeeded: outboxEvent("accounts", paymentSucceeded, { order_id, customer_id, amount }),
    insufficient_funds: failed("insufficient_funds"),
    unknown_customer: failed("unknown_customer"),
    voided: failed("voided"),
  };
}

const refundedEvent = (charge: PaymentRecord) =>
  outboxEvent("accounts", paymentRefunded, {
    order_id: charge.order_id,
    customer_id: charge.customer_id,
    amount: charge.amount,
  });

async function newCustomer(store: AccountsStore, ...deposits: number[]): Promise<string> {
  const id = nextId("cus");
  const email = `${id}@example.com`;
  await store.createCustomer(
    { id, name: "Ada", email, created_at: AT, deposits },
    registered(id, email),
  );
  return id;
}

async function charge(store: AccountsStore, order: string, customer: string, amount: number) {
  return await store.takePayment(
    { order_id: order, customer_id: customer, amount },
    AT,
    paymentEvents(order, customer, amount),
  );
}

const refund = (store: AccountsStore, order: string, customer: string) =>
  store.refundPayment(order, customer, AT, refundedEvent);

/** The outbox's events as `type` or `type:reason`, oldest first. */
async function outboxTypes(store: AccountsStore): Promise<string[]> {
  const entries = await store.outbox.peek(10_000);
  return entries.map(({ envelope }) => {
    const reason = (envelope.data as { reason?: string }).reason;
    return reason ? `${envelope.type}:${reason}` : envelope.type;
  });
}

async function assertMoneyAddsUp(store: AccountsStore, customer: string) {
  const audit = await store.audit(customer);
  assert.ok(audit, `customer ${customer} has an audit`);
  assert.ok(moneyAddsUp(audit), `deposits = balance + charges - refunds: ${JSON.stringify(audit)}`);
  assert.ok(audit.balance >= 0, `balance is never negative: ${audit.balance}`);
}

export function runAccountsStoreConformance(harness: AccountsStoreHarness): void {
  runCustomerConformance(harness);
  const test = (name: string, fn: (store: AccountsStore) => Promise<void>) =>
    storeCase(harness, `${harness.name} accounts store: ${name}`, ({ store }) => fn(store));

  test("createCustomer() records opening deposits and the registered event", async (store) => {
    const id = await newCustomer(store, 500, 0, 25);
    assert.equal((await store.customer(id))?.balance, 525);
    assert.deepEqual(await store.ledger(id), [
      { type: "deposit", amount: 500, at: AT },
      { type: "deposit", amount: 25, at: AT },
    ]);
    assert.deepEqual(await outboxTypes(store), ["accounts.customer_registered"]);
    await assertMoneyAddsUp(store, id);
  });

  test("createCustomer() refuses a taken email whatever its case", async (store) => {
    const id = await newCustomer(store, 100);
    const email = (await store.customer(id))!.email.toUpperCase();
    const other = nextId("cus");
    await assert.rejects(
      store.createCustomer(
        { id: other, name: "Bob", email, created_at: AT, deposits: [999] },
        registered(other, email),
      ),
      (error: unknown) => error instanceof AppError && error.code === "conflict",
    );
    assert.equal(await store.customer(other), null);
    assert.equal(await store.ledger(other), null);
    assert.deepEqual(await outboxTypes(store), ["accounts.customer_registered"]);
  });

  test("deposit() credits the balance and the ledger; unknown ids get null", async (store) => {
    const id = await newCustomer(store);
    assert.equal((await store.deposit(id, 300, AT))?.balance, 300);
    assert.equal((await store.deposit(id, 1, AT))?.balance, 301);
    assert.deepEqual((await store.ledger(id))?.map((e) => e.amount), [300, 1]);
    assert.equal(await store.deposit("nobody", 5, AT), null);
    assert.equal(await store.ledger("nobody"), null);
    assert.equal(await store.audit("nobody"), null);
    await assertMoneyAddsUp(store, id);
  });

  test("deposit() refuses to overflow the balance and changes nothing", async (store) => {
    const id = await newCustomer(store, Number.MAX_SAFE_INTEGER - 10);
    await assert.rejects(
      store.deposit(id, 11, AT),
      (error: unknown) => error instanceof AppError && error.code === "conflict",
    );
    assert.equal((await store.customer(id))?.balance, Number.MAX_SAFE_INTEGER - 10);
    assert.equal((await store.ledger(id))?.length, 1);
  });

  test("takePayment() charges an order once, however often it is asked", async (store) => {
    const id = await newCustomer(store, 1000);
    assert.equal(await charge(store, "o1", id, 400), "charged");
    assert.equal(await charge(store, "o1", id, 400), "duplicate");
    assert.equal(await charge(store, "o1", id, 100), "duplicate");
    assert.equal((await store.customer(id))?.balance, 600);
    assert.deepEqual(await store.payment("o1"), {
      order_id: "o1",
      customer_id: id,
      amount: 400,
      status: "charged",
      at: AT,
    });
    const types = await outboxTypes(store);
    assert.equal(types.filter((t) => t === "accounts.payment_succeeded").length, 1);
    await assertMoneyAddsUp(store, id);
  });

  test("takePayment() records insufficient funds so a later retry never charges", async (store) => {
    const id = await newCustomer(store, 99);
    assert.equal(await charge(store, "o2", id, 100), "insufficient_funds");
    await store.deposit(id, 1000, AT);
    assert.equal(await charge(store, "o2", id, 100), "duplicate");
    assert.equal((await store.customer(id))?.balance, 1099);
    assert.equal((await store.payment("o2"))?.reason, "insufficient_funds");
    assert.deepEqual((await outboxTypes(store)).slice(1), [
      "accounts.payment_failed:insufficient_funds",
    ]);
  });

  test("takePayment() refuses an unknown customer for good", async (store) => {
    assert.equal(await charge(store, "o3", "ghost", 1), "unknown_customer");
    assert.equal(await charge(store, "o3", "ghost", 1), "duplicate");
    assert.equal((await store.payment("o3"))?.status, "failed");
    assert.deepEqual(await outboxTypes(store), ["accounts.payment_failed:unknown_customer"]);
  });

  test("concurrent charges against one balance never overdraw it", async (store) => {
    const id = await newCustomer(store, 1000);
    const orders = Array.from({ length: 25 }, (_, i) => `race${i}`);
    // Every order asked three times at once: 75 requests for 25 orders of 100.
    const outcomes = await Promise.all(
      orders.flatMap((order) => [1, 2, 3].map(() => charge(store, order, id, 100))),
    );
    assert.equal(outcomes.filter((o) => o === "charged").length, 10);
    assert.equal(outcomes.filter((o) => o === "insufficient_funds").length, 15);
    assert.equal(outcomes.filter((o) => o === "duplicate").length, 50);
    assert.equal((await store.customer(id))?.balance, 0);
    const charges = (await store.ledger(id))!.filter((e) => e.type === "charge");
    assert.equal(new Set(charges.map((e) => e.order_id)).size, 10);
    await assertMoneyAddsUp(store, id);
  });

  test("refundPayment() refunds a charge at most once, even concurrently", async (store) => {
    const id = await newCustomer(store, 500);
    await charge(store, "o4", id, 200);
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => refund(store, "o4", id)));
    assert.equal(outcomes.filter((o) => o === "refunded").length, 1);
    assert.equal(outcomes.filter((o) => o === "nothing_to_refund").length, 4);
    assert.equal((await store.customer(id))?.balance, 500);
    assert.equal((await store.payment("o4"))?.status, "refunded");
    // Once refunded, the order can never be charged again.
    assert.equal(await charge(store, "o4", id, 200), "duplicate");
    const types = await outboxTypes(store);
    assert.equal(types.filter((t) => t === "accounts.payment_refunded").length, 1);
    const refunded = (await store.outbox.peek(100)).find((e) =>
      e.envelope.type === "accounts.payment_refunded"
    );
    assert.deepEqual(refunded?.envelope.data, { order_id: "o4", customer_id: id, amount: 200 });
    await assertMoneyAddsUp(store, id);
  });

  test("a refund before the charge voids the order's payment", async (store) => {
    const id = await newCustomer(store, 500);
    assert.equal(await refund(store, "o5", id), "voided");
    assert.equal(await refund(store, "o5", id), "nothing_to_refund");
    assert.equal(await charge(store, "o5", id, 100), "voided");
    assert.equal(await charge(store, "o5", id, 100), "voided");
    assert.equal((await store.customer(id))?.balance, 500);
    assert.equal((await store.payment("o5"))?.status, "voided");
    assert.deepEqual((await outboxTypes(store)).slice(1), [
      "accounts.payment_failed:voided",
      "accounts.payment_failed:voided",
    ]);
  });

  test("refundPayment() leaves a failed payment alone", async (store) => {
    const id = await newCustomer(store, 5);
    await charge(store, "o6", id, 10);
    assert.equal(await refund(store, "o6", id), "nothing_to_refund");
    assert.equal((await store.customer(id))?.balance, 5);
    assert.equal((await store.payment("o6"))?.status, "failed");
  });

  test("a charge racing a refund for one order ends charged-and-refunded or voided", async (store) => {
    const id = await newCustomer(store, 1000);
    for (let i = 0; i < 10; i++) {
      const order = `duel${i}`;
      const [charged, refunded] = await Promise.all([
        charge(store, order, id, 100),
        refund(store, order, id),
      ]);
      const status = (await store.payment(order))?.status;
      if (charged === "charged") {
        assert.equal(refunded, "refunded");
        assert.equal(status, "refunded");
      } else {
        assert.deepEqual([charged, refunded, status], ["voided", "voided", "voided"]);
      }
    }
    assert.equal((await store.customer(id))?.balance, 1000);
    await assertMoneyAddsUp(store, id);
  });

  test("money adds up for every customer after a random mix of operations", async (store) => {
    const customers = [await newCustomer(store, 300), await newCustomer(store, 50, 10)];
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      const customer = customers[i % 2]!;
      const order = `mix${i % 40}`;
      const roll = (i * 7919) % 10;
      if (roll < 2) work.push(store.deposit(customer, 10 + roll, AT));
      else if (roll < 7) work.push(charge(store, order, customer, 15 + roll));
      else work.push(refund(store, order, customer));
    }
    await Promise.all(work);
    for (const customer of customers) await assertMoneyAddsUp(store, customer);
  });
}
