/**
 * A steady stream of orders for the resilience tests: a catalog and customers,
 * a plan mixing orders that must be confirmed with orders that must be
 * rejected (unknown product, out of stock, insufficient funds), a few cancels,
 * and a runner that places them at a steady rate through outages and process
 * exits. Every order carries an Idempotency-Key, so one that failed with a
 * 5xx or a dropped connection is simply placed again: the API either stored
 * it (and answers the same order) or stored nothing.
 *
 * @module
 */
import assert, { AssertionError } from "node:assert/strict";
import { type Customer, type Shop, TERMINAL } from "./shop.ts";
import { delay, waitFor } from "./wait.ts";

export interface PlannedOrder {
  key: string;
  customer: Customer;
  items: { product_id: string; quantity: number }[];
  /** The terminal statuses it may end in, and its reason if it ends rejected. */
  expect: { statuses: string[]; reason?: string };
  /** Ask to cancel it once placed. */
  cancel: boolean;
  /** The order id, once the API accepted it. */
  id?: string;
}

export interface Plan {
  orders: PlannedOrder[];
  /** A product with less stock than is asked for: exactly its stock gets sold. */
  scarce: { id: string; stock: number };
}

/**
 * `count` orders over a fresh catalog and customers, cycling through: normal
 * (confirmed), scarce stock (confirmed or out of stock), unknown product,
 * a quantity beyond any stock, a customer with no money, and a normal order
 * that is cancelled at once (cancelled, or refunded if confirmed first).
 */
export async function planOrders(shop: Shop, count: number): Promise<Plan> {
  const plentiful = await Promise.all(
    [1_000, 250, 4_999].map((price) => shop.product(1_000, price)),
  );
  const scarce = { id: await shop.product(4, 700, "Scarce"), stock: 4 };
  const rich = await Promise.all([0, 1, 2, 3].map(() => shop.customer(10_000_000)));
  const broke = await shop.customer(100, "Broke");
  const line = (product_id: string, quantity: number) => ({ product_id, quantity });
  const rejected = (reason: string) => ({ statuses: ["rejected"], reason });
  /** Every slot of ten not named here is a normal order. */
  const special = (i: number, product: string): Partial<PlannedOrder> | undefined =>
    ({
      3: {
        items: [line(scarce.id, 1)],
        expect: { statuses: ["confirmed", "rejected"], reason: "out_of_stock" },
      },
      5: {
        items: [line(product, 1), line(`missing-${i}`, 1)],
        expect: rejected("unknown_product"),
      },
      7: { items: [line(product, 5_000)], expect: rejected("out_of_stock") },
      8: { customer: broke, items: [line(product, 1)], expect: rejected("insufficient_funds") },
      9: {
        cancel: true,
        items: [line(product, 2)],
        expect: { statuses: ["cancelled", "refunded"] },
      },
    } as Record<number, Partial<PlannedOrder>>)[i % 10];
  const orders: PlannedOrder[] = [];
  for (let i = 0; i < count; i++) {
    const product = plentiful[i % plentiful.length]!;
    orders.push({
      key: `order-${i}-${crypto.randomUUID()}`,
      cancel: false,
      customer: rich[i % rich.length]!,
      items: [line(product, 1 + (i % 3)), line(plentiful[(i + 1) % plentiful.length]!, 1)],
      expect: { statuses: ["confirmed"] },
      ...special(i, product),
    });
  }
  return { orders, scarce };
}

export interface RunOptions {
  /** Orders placed at once. */
  concurrency?: number;
  /** Each worker waits this long between orders, so the stream spans the disruption. */
  paceMs?: number;
  /** How long one order may keep failing (5xx, connection refused) before the run fails. */
  retryForMs?: number;
  /** Called after each order is accepted, with how many are so far. */
  onAccepted?: (accepted: number) => void;
}

export interface RunReport {
  accepted: number;
  /** Attempts that failed with a 5xx or a dropped connection and were made again. */
  retried: number;
  /** Their statuses or errors, for the test's log. */
  failures: string[];
}

/** Places every planned order (and asks to cancel those planned so); retries transient failures. */
export async function runPlan(
  shop: Shop,
  plan: Plan,
  options: RunOptions = {},
): Promise<RunReport> {
  const { concurrency = 4, paceMs = 40, retryForMs = 30_000 } = options;
  const report: RunReport = { accepted: 0, retried: 0, failures: [] };
  const queue = [...plan.orders];
  const retrying = async <T>(what: string, attempt: () => Promise<T | null>): Promise<T> => {
    const deadline = Date.now() + retryForMs;
    while (true) {
      let failure: string;
      try {
        const result = await attempt();
        if (result !== null) return result;
        failure = `${what}: no answer`;
      } catch (error) {
        // A wrong answer is a failure; only 5xx and dropped connections are worth another try.
        if (error instanceof AssertionError) throw error;
        failure = `${what}: ${(error as Error).message}`;
      }
      report.retried++;
      report.failures.push(failure);
      if (Date.now() > deadline) throw new Error(`${failure} (gave up after ${retryForMs} ms)`);
      await delay(100);
    }
  };
  const worker = async () => {
    for (let order = queue.shift(); order; order = queue.shift()) {
      const planned = order;
      const placed = await retrying(`place ${planned.key}`, async () => {
        const reply = await shop.place(planned.customer, planned.items, {
          "idempotency-key": planned.key,
        });
        if (reply.status >= 500) throw new Error(`HTTP ${reply.status}`);
        assert.ok(
          reply.status === 202 || reply.status === 200,
          `placing ${planned.key}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`,
        );
        return reply.body.id as string;
      });
      planned.id = placed;
      report.accepted++;
      options.onAccepted?.(report.accepted);
      if (planned.cancel) {
        let tries = 0;
        await retrying(`cancel ${placed}`, async () => {
          tries++;
          const reply = await shop.system.call("POST", `/orders/${placed}/cancel`, {
            token: planned.customer.token,
          });
          if (reply.status >= 500) throw new Error(`HTTP ${reply.status}`);
          // A 409 after a failed try: that try went through, only its answer was lost.
          assert.ok(
            reply.status === 202 || (reply.status === 409 && tries > 1),
            `cancelling ${placed}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`,
          );
          return true;
        });
      }
      await delay(paceMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return report;
}

/**
 * Each planned order ended as planned, and the scarce product sold exactly
 * its stock. Call once every order is terminal.
 */
export async function assertOutcomes(shop: Shop, plan: Plan): Promise<Record<string, number>> {
  const byStatus: Record<string, number> = {};
  let scarceSold = 0;
  for (const planned of plan.orders) {
    assert.ok(planned.id, `${planned.key} was never accepted`);
    const reply = await shop.system.call("GET", `/orders/${planned.id}`, {
      token: shop.system.admin,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const { status, reason } = reply.body;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    assert.ok(
      planned.expect.statuses.includes(status),
      `order ${planned.id} (${planned.key}) is ${status} (${reason}), expected ${
        planned.expect.statuses.join(" or ")
      }`,
    );
    if (status === "rejected") assert.equal(reason, planned.expect.reason, planned.key);
    if (planned.items[0]?.product_id === plan.scarce.id && status === "confirmed") scarceSold++;
  }
  const scarceOrders = plan.orders.filter((o) => o.items[0]?.product_id === plan.scarce.id).length;
  assert.equal(
    scarceSold,
    Math.min(plan.scarce.stock, scarceOrders),
    "scarce product sold out exactly",
  );
  return byStatus;
}

/** Waits until every accepted order is terminal; returns how long that took (ms). */
export async function waitAllTerminal(shop: Shop, plan: Plan, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const open = new Set(plan.orders.map((o) => o.id!));
  await waitFor(async () => {
    for (const id of [...open]) {
      const reply = await shop.system.call("GET", `/orders/${id}`, { token: shop.system.admin });
      if (reply.status === 200 && TERMINAL.includes(reply.body.status)) open.delete(id);
    }
    return open.size === 0;
  }, { timeoutMs, intervalMs: 200, message: "every accepted order terminal" }).catch(
    async (error) => {
      const states = await Promise.all([...open].map(async (id) => {
        const reply = await shop.system.call("GET", `/orders/${id}`, { token: shop.system.admin });
        return `${id}: ${reply.body?.status ?? reply.status}`;
      }));
      throw new Error(`${error.message}; still open: ${states.join(", ")}`);
    },
  );
  return Math.round(performance.now() - started);
}
