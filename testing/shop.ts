/**
 * A shopper's view of a running system, for the end-to-end tests: create
 * products and customers, place orders and wait for them, and check the
 * SPEC invariants over the HTTP API only — of a system in this process, or
 * of real processes (`remoteCaller`).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Call } from "./http_client.ts";
import { waitFor } from "./wait.ts";

export const TERMINAL = ["confirmed", "rejected", "cancelled", "refunded"];

export interface Customer {
  id: string;
  token: string;
}

/** What a shop talks to: a `TestSystem`, or `{call: remoteCaller(url), admin}`. */
export interface ShopTarget {
  call: Call;
  /** The admin token. */
  admin: string;
}

export interface InvariantOptions {
  /** How long the checks may keep failing while compensations land; default 20 s. */
  timeoutMs?: number;
  /** Also: one notification per order and terminal outcome (messaging must be running). */
  notifications?: boolean;
}

export class Shop {
  /** Initial stock plus restocks, per product: the left side of the stock invariant. */
  readonly stockIn = new Map<string, number>();
  readonly customers: Customer[] = [];
  /** Every order the API accepted (202 or 200) through `place`: none may go missing. */
  readonly accepted = new Set<string>();

  constructor(readonly system: ShopTarget) {}

  async product(stock: number, price: number, name = "Widget"): Promise<string> {
    const reply = await this.system.call("POST", "/inventory/products", {
      token: this.system.admin,
      body: { name, price, stock, tags: ["test"] },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    this.stockIn.set(reply.body.id, stock);
    return reply.body.id;
  }

  /** A product of `stock` at `price`, then a buyer with `balance`: where most cases start. */
  async stocked(
    stock: number,
    price: number,
    balance: number,
  ): Promise<{ product: string; buyer: Customer }> {
    const product = await this.product(stock, price);
    return { product, buyer: await this.customer(balance) };
  }

  /** One product per `[stock, price]`, made one after the other. */
  async products<const S extends readonly (readonly [number, number])[]>(
    ...specs: S
  ): Promise<{ [K in keyof S]: string }> {
    const ids: string[] = [];
    for (const [stock, price] of specs) ids.push(await this.product(stock, price));
    return ids as { [K in keyof S]: string };
  }

  async restock(productId: string, quantity: number): Promise<void> {
    const reply = await this.system.call("POST", `/inventory/products/${productId}/restock`, {
      token: this.system.admin,
      body: { quantity },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    this.stockIn.set(productId, (this.stockIn.get(productId) ?? 0) + quantity);
  }

  async customer(balance: number, name = "Casey"): Promise<Customer> {
    const reply = await this.system.call("POST", "/accounts/customers", {
      token: this.system.admin,
      body: { name, email: `${crypto.randomUUID()}@example.com`, balance },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const customer = { id: reply.body.id, token: reply.body.token };
    this.customers.push(customer);
    return customer;
  }

  /** Places an order; the reply is the 202 (or 200 with `wait`). */
  async place(
    customer: Customer,
    items: { product_id: string; quantity: number }[],
    headers: Record<string, string> = {},
  ) {
    const reply = await this.system.call("POST", "/orders", {
      token: customer.token,
      body: { customer_id: customer.id, items },
      headers,
    });
    if ((reply.status === 202 || reply.status === 200) && reply.body?.id) {
      this.accepted.add(reply.body.id);
    }
    return reply;
  }

  /** Places an order and waits until it is terminal. */
  async order(customer: Customer, items: { product_id: string; quantity: number }[]) {
    const placed = await this.place(customer, items);
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    return await this.settled(placed.body.id);
  }

  // deno-lint-ignore no-explicit-any
  async settled(orderId: string): Promise<any> {
    return await waitFor(async () => {
      const reply = await this.system.call("GET", `/orders/${orderId}`, {
        token: this.system.admin,
      });
      return TERMINAL.includes(reply.body?.status) ? reply.body : null;
    }, { timeoutMs: 20_000, message: `order ${orderId} terminal` });
  }

  // deno-lint-ignore no-explicit-any
  async productState(id: string): Promise<any> {
    return (await this.system.call("GET", `/inventory/products/${id}`)).body;
  }

  // deno-lint-ignore no-explicit-any
  async account(customer: Customer): Promise<{ balance: number; ledger: any[] }> {
    const record = await this.system.call("GET", `/accounts/customers/${customer.id}`, {
      token: customer.token,
    });
    const ledger = await this.system.call("GET", `/accounts/customers/${customer.id}/ledger`, {
      token: customer.token,
    });
    assert.equal(record.status, 200);
    assert.equal(ledger.status, 200);
    return { balance: record.body.balance, ledger: ledger.body.items };
  }

  // deno-lint-ignore no-explicit-any
  async notifications(orderId: string): Promise<any[]> {
    const reply = await this.system.call(
      "GET",
      `/messaging/notifications?order_id=${orderId}`,
      { token: this.system.admin },
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body.items;
  }

  /**
   * The SPEC invariants, once every order has settled and the compensations
   * have landed (they are asynchronous, so this polls until they hold):
   * stock in = stock + reserved + sold and not returned; deposits = balance +
   * charges − refunds; no order charged twice; a confirmed order charged its
   * total once and never refunded, any other order charged nothing in the end;
   * every order terminal and no accepted order missing.
   */
  async assertInvariants(options: InvariantOptions = {}): Promise<void> {
    await waitFor(async () => (await this.invariantProblems(options)).length === 0, {
      timeoutMs: options.timeoutMs ?? 20_000,
      intervalMs: 100,
      message: "SPEC invariants",
    }).catch(async (error) => {
      throw new Error(`${error.message}: ${(await this.invariantProblems(options)).join("; ")}`);
    });
  }

  async invariantProblems(options: InvariantOptions = {}): Promise<string[]> {
    const problems: string[] = [];
    const sold = new Map<string, number>();
    const listed = new Set<string>();
    for (const customer of this.customers) {
      const orders = await this.#ordersOf(customer);
      if (typeof orders === "string") {
        problems.push(orders);
        continue;
      }
      const { balance, ledger } = await this.account(customer);
      const net = new Map<string, { charges: number; charged: number; refunded: number }>();
      let deposits = 0, charges = 0, refunds = 0;
      for (const entry of ledger) {
        if (entry.type === "deposit") deposits += entry.amount;
        if (entry.type === "deposit" || !entry.order_id) continue;
        const line = net.get(entry.order_id) ?? { charges: 0, charged: 0, refunded: 0 };
        if (entry.type === "charge") {
          charges += entry.amount;
          line.charges++;
          line.charged += entry.amount;
        }
        if (entry.type === "refund") {
          refunds += entry.amount;
          line.refunded += entry.amount;
        }
        net.set(entry.order_id, line);
      }
      if (deposits !== balance + charges - refunds) {
        problems.push(
          `customer ${customer.id}: deposits ${deposits} != ${balance} + ${charges} - ${refunds}`,
        );
      }
      for (const [orderId, line] of net) {
        if (line.charges > 1) problems.push(`order ${orderId} charged ${line.charges} times`);
      }
      for (const order of orders) {
        listed.add(order.id);
        if (!TERMINAL.includes(order.status)) problems.push(`order ${order.id} is ${order.status}`);
        const line = net.get(order.id) ?? { charges: 0, charged: 0, refunded: 0 };
        if (order.status === "confirmed") {
          if (line.charged !== order.total || line.refunded !== 0) {
            problems.push(
              `confirmed order ${order.id} (total ${order.total}): charged ${line.charged}, refunded ${line.refunded}`,
            );
          }
          for (const item of order.items) {
            sold.set(item.product_id, (sold.get(item.product_id) ?? 0) + item.quantity);
          }
        } else if (TERMINAL.includes(order.status) && line.charged !== line.refunded) {
          problems.push(
            `${order.status} order ${order.id}: charged ${line.charged}, refunded ${line.refunded}`,
          );
        }
        if (options.notifications && TERMINAL.includes(order.status)) {
          problems.push(...await this.#notificationProblems(order.id, order.status));
        }
      }
    }
    const settled = problems.length === 0;
    for (const id of this.accepted) {
      if (!listed.has(id)) problems.push(`accepted order ${id} is missing`);
    }
    for (const [productId, stockIn] of this.stockIn) {
      const reply = await this.system.call("GET", `/inventory/products/${productId}`);
      if (reply.status === 404) continue; // deleted
      if (reply.status !== 200) {
        problems.push(`product ${productId}: HTTP ${reply.status}`);
        continue;
      }
      const product = reply.body;
      // With every order settled, nothing may still be held: a leaked reservation
      // would otherwise pass the sum below.
      if (settled && product.reserved !== 0) {
        problems.push(`product ${productId}: ${product.reserved} reserved with no order in flight`);
      }
      const out = product.stock + product.reserved + (sold.get(productId) ?? 0);
      if (stockIn !== out) {
        problems.push(
          `product ${productId}: ${stockIn} in != ${product.stock} stock + ${product.reserved} reserved + ${
            sold.get(productId) ?? 0
          } sold`,
        );
      }
    }
    return problems;
  }

  /** Every order of a customer, page after page (following next_cursor), or what went wrong. */
  // deno-lint-ignore no-explicit-any
  async #ordersOf(customer: Customer): Promise<any[] | string> {
    // deno-lint-ignore no-explicit-any
    const orders: any[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = `/orders?customer_id=${customer.id}&limit=100` +
        (cursor === null ? "" : `&cursor=${cursor}`);
      const reply = await this.system.call("GET", page, { token: customer.token });
      if (reply.status !== 200) return `orders of ${customer.id}: HTTP ${reply.status}`;
      orders.push(...reply.body.items ?? []);
      cursor = reply.body.next_cursor ?? null;
      if (cursor !== null && seen.has(cursor)) return `orders of ${customer.id}: cursor repeats`;
      if (cursor !== null) seen.add(cursor);
    } while (cursor !== null);
    return orders;
  }

  /** Exactly one notification of the order's outcome, and none twice. */
  async #notificationProblems(orderId: string, status: string): Promise<string[]> {
    const kinds = (await this.notifications(orderId)).map((n) => n.kind as string);
    const problems: string[] = [];
    if (!kinds.includes(status)) problems.push(`order ${orderId} is ${status} but not notified`);
    if (new Set(kinds).size !== kinds.length) {
      problems.push(`order ${orderId} notified twice: ${kinds.join(", ")}`);
    }
    return problems;
  }
}

/** The statuses an order (as GET /orders/:id shows it) has passed through, oldest first. */
export function statusesOf(order: { history: { status: string }[] }): string[] {
  return order.history.map((h) => h.status);
}
