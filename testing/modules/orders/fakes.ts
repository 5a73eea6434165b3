/**
 * Stand-ins for inventory and accounts that speak only the published
 * contracts, so the saga can be tested end to end on a bus without the real
 * modules. They are idempotent per order, as the contracts ask of the real ones.
 *
 * @module
 */
import type { z } from "zod";
import type {
  Bus,
  Envelope,
  EventContract,
  EventData,
  PublishOptions,
  Subscription,
} from "../../../bus/types.ts";
import {
  paymentFailed,
  paymentRefunded,
  paymentSucceeded,
} from "../../../modules/accounts/events.ts";
import {
  reservationCommitted,
  reservationLost,
  reservationRejected,
  stockReleased,
  stockReserved,
} from "../../../modules/inventory/events.ts";
import {
  orderEvents,
  orderPlaced,
  paymentRequested,
  refundRequested,
  stockCommitRequested,
  stockReleaseRequested,
} from "../../../modules/orders/events.ts";

export interface World {
  /** Unit prices of the products inventory knows. */
  prices: Map<string, number>;
  /** Units available to sell. */
  stock: Map<string, number>;
  balances: Map<string, number>;
  /** Requests the fakes leave unanswered, to make a step time out. */
  silent: Set<"placed" | "payment" | "commit">;
  /** When set, committing an order reports this product deleted instead. */
  loseOnCommit: string | null;
  /** Every answer is delivered twice (the same envelope), as at-least-once delivery may. */
  duplicate: boolean;
  /** Every order.* event the bus carried, in arrival order. */
  published: Envelope[];
}

export function world(init: Partial<World> = {}): World {
  return {
    prices: new Map([["p1", 1_000], ["p2", 250]]),
    stock: new Map([["p1", 10], ["p2", 10]]),
    balances: new Map([["cus_1", 100_000]]),
    silent: new Set(),
    loseOnCommit: null,
    duplicate: false,
    published: [],
    ...init,
  };
}

/** The order.* events of `type` seen for an order. */
export function seen(w: World, type: string, orderId: string): Envelope[] {
  return w.published.filter((e) =>
    e.type === type && (e.data as { order_id: string }).order_id === orderId
  );
}

type Line = { product_id: string; quantity: number };

export async function playOtherModules(bus: Bus, w: World): Promise<Subscription[]> {
  const holds = new Map<string, { lines: Line[]; sold: boolean }>();
  const released = new Set<string>();
  const charges = new Map<string, { customer: string; amount: number; refunded: boolean }>();
  const voided = new Set<string>();
  const send = async <C extends EventContract>(
    event: C,
    data: z.input<C["schema"]>,
    options: PublishOptions,
  ) => {
    const envelope = await bus.publish(event, data, options);
    if (w.duplicate) await bus.publishEnvelope(envelope);
  };
  const give = (lines: Line[]) => {
    for (const l of lines) w.stock.set(l.product_id, w.stock.get(l.product_id)! + l.quantity);
  };

  const inventory = bus.subscribe("fake-inventory", [
    orderPlaced,
    stockCommitRequested,
    stockReleaseRequested,
  ], async (envelope) => {
    const opts = { causationId: envelope.id, correlationId: envelope.correlation_id };
    const orderId = (envelope.data as { order_id: string }).order_id;
    if (envelope.type === orderPlaced.type) {
      if (w.silent.has("placed") || released.has(orderId) || holds.has(orderId)) return;
      const { items } = envelope.data as EventData<typeof orderPlaced>;
      for (const item of items) {
        const reason = !w.prices.has(item.product_id)
          ? "unknown_product"
          : w.stock.get(item.product_id)! < item.quantity
          ? "out_of_stock"
          : null;
        if (reason) {
          const data = { order_id: orderId, reason, product_id: item.product_id } as const;
          await send(reservationRejected, data, opts);
          return;
        }
      }
      for (const i of items) w.stock.set(i.product_id, w.stock.get(i.product_id)! - i.quantity);
      holds.set(orderId, { lines: items, sold: false });
      const lines = items.map((i) => ({ ...i, unit_price: w.prices.get(i.product_id)! }));
      await send(stockReserved, { order_id: orderId, lines }, opts);
    } else if (envelope.type === stockCommitRequested.type) {
      const hold = holds.get(orderId);
      if (w.silent.has("commit") || !hold) return;
      if (w.loseOnCommit) {
        holds.delete(orderId);
        give(hold.lines.filter((l) => l.product_id !== w.loseOnCommit));
        const data = { order_id: orderId, product_id: w.loseOnCommit };
        await send(reservationLost, data, opts);
        return;
      }
      hold.sold = true;
      await send(reservationCommitted, { order_id: orderId }, opts);
    } else {
      released.add(orderId);
      const hold = holds.get(orderId);
      if (!hold) return;
      holds.delete(orderId);
      give(hold.lines);
      await send(stockReleased, { order_id: orderId, returned: hold.sold }, opts);
    }
  });

  const accounts = bus.subscribe("fake-accounts", [paymentRequested, refundRequested], async (
    envelope,
  ) => {
    const opts = { causationId: envelope.id, correlationId: envelope.correlation_id };
    const { order_id, customer_id } = envelope.data as { order_id: string; customer_id: string };
    const ids = { order_id, customer_id };
    if (envelope.type === paymentRequested.type) {
      if (w.silent.has("payment") || charges.has(order_id)) return;
      const { amount } = envelope.data as EventData<typeof paymentRequested>;
      const balance = w.balances.get(customer_id);
      const reason = voided.has(order_id)
        ? "voided"
        : balance === undefined
        ? "unknown_customer"
        : balance < amount
        ? "insufficient_funds"
        : null;
      if (reason) {
        await send(paymentFailed, { ...ids, reason }, opts);
        return;
      }
      w.balances.set(customer_id, balance! - amount);
      charges.set(order_id, { customer: customer_id, amount, refunded: false });
      await send(paymentSucceeded, { ...ids, amount }, opts);
    } else {
      const charge = charges.get(order_id);
      if (!charge) {
        voided.add(order_id);
        return;
      }
      if (charge.refunded) return;
      charge.refunded = true;
      w.balances.set(customer_id, w.balances.get(customer_id)! + charge.amount);
      await send(paymentRefunded, { ...ids, amount: charge.amount }, opts);
    }
  });

  const recorder = bus.subscribe("recorder", orderEvents, (envelope) => {
    w.published.push(envelope);
  });
  return await Promise.all([inventory, accounts, recorder]);
}
