/**
 * A shopper's view of a running system, for the end-to-end tests: create
 * products and customers, place orders and wait for them, and check the
 * SPEC invariants over the HTTP API only.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { TestSystem } from "./system.ts";
import { waitFor } from "./wait.ts";

export const TERMINAL = ["confirmed", "rejected", "cancelled", "refunded"];

export interface Customer {
  id: string;
  token: string;
}

export class Shop {
  /** Initial stock plus restocks, per product: the left side of the stock invariant. */
  readonly stockIn = new Map<string, number>();
  readonly customers: Customer[] = [];

  constructor(readonly system: TestSystem) {}

  async product(stock: number, price: number, name = "Widget"): Promise<string> {
    const reply = await this.system.call("POST", "/inventory/products", {
      token: this.system.admin,
      body: { name, price, stock, tags: ["test"] },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    this.stockIn.set(reply.body.id, stock);
    return reply.body.id;
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
  place(
    customer: Customer,
    items: { product_id: string; quantity: number }[],
    headers: Record<string, string> = {},
  ) {
    return this.system.call("POST", "/orders", {
      token: customer.token,
      body: { customer_id: customer.id, items },
      headers,
    });
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
   * charges − refunds; no order charged twice; every order terminal.
   */
  async assertInvariants(): Promise<void> {
    await waitFor(async () => (await this.invariantProblems()).length === 0, {
      timeoutMs: 20_000,
      message: "SPEC invariants",
    }).catch(async (error) => {
      throw new Error(`${error.message}: ${(await this.invariantProblems()).join("; ")}`);
    });
  }

  async invariantProblems(): Promise<string[]> {
    const problems: string[] = [];
    const sold = new Map<string, number>();
    for (const customer of this.customers) {
      const orders = await this.system.call("GET", `/orders?customer_id=${customer.id}`, {
        token: customer.token,
      });
      for (const order of orders.body.items ?? []) {
        if (!TERMINAL.includes(order.status)) problems.push(`order ${order.id} is ${order.status}`);
        if (order.status !== "confirmed") continue;
        for (const item of order.items) {
          sold.set(item.product_id, (sold.get(item.product_id) ?? 0) + item.quantity);
        }
      }
      const { balance, ledger } = await this.account(customer);
      let deposits = 0, charges = 0, refunds = 0;
      const charged = new Map<string, number>();
      for (const entry of ledger) {
        if (entry.type === "deposit") deposits += entry.amount;
        if (entry.type === "charge") {
          charges += entry.amount;
          charged.set(entry.order_id, (charged.get(entry.order_id) ?? 0) + 1);
        }
        if (entry.type === "refund") refunds += entry.amount;
      }
      if (deposits !== balance + charges - refunds) {
        problems.push(
          `customer ${customer.id}: deposits ${deposits} != ${balance} + ${charges} - ${refunds}`,
        );
      }
      for (const [orderId, count] of charged) {
        if (count > 1) problems.push(`order ${orderId} charged ${count} times`);
      }
    }
    for (const [productId, stockIn] of this.stockIn) {
      const product = await this.productState(productId);
      if (!product?.id) continue; // deleted
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
}
