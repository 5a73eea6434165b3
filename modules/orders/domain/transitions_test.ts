import assert from "node:assert/strict";
import { applied, at, cancel, clockAt } from "../../../testing/modules/orders/saga_fixtures.ts";
import { commitFailed, committed } from "../../../testing/modules/orders/saga_fixtures.ts";
import { deadline, failed, ignored, lost } from "../../../testing/modules/orders/saga_fixtures.ts";
import { outOfStock, paid, pending } from "../../../testing/modules/orders/saga_fixtures.ts";
import { reserved, T0, typesOf } from "../../../testing/modules/orders/saga_fixtures.ts";
import type { SagaInput } from "./decision.ts";
import { ORDER_STATUSES, type OrderStatus } from "./order.ts";
import { feeOf } from "./pricing.ts";
import { decide } from "./transitions.ts";

const NOW = T0 + 100;
const clock = clockAt(NOW);

/** What an order asks for first when both the money and the stock must come back. */
const GIVE_BACK_BOTH = ["order.refund_requested", "order.stock_release_requested"];

Deno.test("stock_reserved fixes prices, totals with the fee, and asks for payment", () => {
  const { order, emit } = applied(decide(pending(), reserved, clockAt(NOW, 250)));
  assert.equal(order.status, "reserved");
  assert.deepEqual(order.items.map((line) => line.unit_price), [1_250, 999]);
  assert.equal(order.subtotal, 3_499);
  assert.equal(order.fee, 87, "round(3499 × 250 / 10000) = round(87.475)");
  assert.equal(order.total, 3_586);
  assert.equal(order.deadline, NOW + 1_000, "the payment step gets its own deadline");
  assert.deepEqual(order.history.map((h) => h.status), ["pending", "reserved"]);
  assert.equal(order.updated_at, new Date(NOW).toISOString());
  assert.deepEqual(emit, [{
    event: emit[0]!.event,
    data: { order_id: "ord_1", customer_id: "cus_1", amount: 3_586 },
  }]);
  assert.deepEqual(typesOf(decide(pending(), reserved, clock)), ["order.payment_requested"]);
});

Deno.test("feeOf() rounds half up in exact integers", () => {
  assert.equal(feeOf(2n, 2_500), 1n);
  assert.equal(feeOf(1n, 4_999), 0n);
  assert.equal(feeOf(0n, 10_000), 0n);
  assert.equal(feeOf(9_007_199_254_740_991n, 100), 90_071_992_547_410n);
});

Deno.test("a reservation that differs from the order is not charged on", () => {
  const short: SagaInput = { kind: "stock_reserved", lines: [reserved.lines[0]!] } as SagaInput;
  ignored(pending(), short);
  const wrongQuantity = {
    kind: "stock_reserved",
    lines: [{ ...reserved.lines[0]!, quantity: 3 }, reserved.lines[1]!],
  } as SagaInput;
  ignored(pending(), wrongQuantity);
});

Deno.test("a total past the money limit rejects the order and releases its stock", () => {
  const huge = {
    kind: "stock_reserved",
    lines: [
      { product_id: "p1", quantity: 2, unit_price: Number.MAX_SAFE_INTEGER },
      { product_id: "p2", quantity: 1, unit_price: 1 },
    ],
  } as SagaInput;
  const decision = decide(pending(), huge, clock);
  assert.equal(applied(decision).order.status, "rejected");
  assert.equal(applied(decision).order.reason, "amount_too_large");
  assert.deepEqual(typesOf(decision), ["order.stock_release_requested", "order.rejected"]);
});

Deno.test("reservation_rejected rejects a pending order with inventory's reason, nothing to release", () => {
  for (const reason of ["out_of_stock", "unknown_product"] as const) {
    const decision = decide(pending(), { ...outOfStock, reason } as SagaInput, clock);
    const { order, emit } = applied(decision);
    assert.equal(order.status, "rejected");
    assert.equal(order.reason, reason);
    assert.equal(order.deadline, null);
    assert.deepEqual(typesOf(decision), ["order.rejected"]);
    assert.deepEqual(emit[0]!.data, { order_id: "ord_1", customer_id: "cus_1", reason });
  }
});

Deno.test("payment_succeeded marks a reserved order paid and asks for the stock", () => {
  const decision = decide(at("reserved"), paid, clock);
  assert.equal(applied(decision).order.status, "paid");
  assert.deepEqual(typesOf(decision), ["order.stock_commit_requested"]);
});

Deno.test("payment_failed rejects a reserved order and releases its stock", () => {
  for (const reason of ["insufficient_funds", "unknown_customer"] as const) {
    const decision = decide(at("reserved"), failed(reason), clock);
    assert.equal(applied(decision).order.status, "rejected");
    assert.equal(applied(decision).order.reason, reason);
    assert.deepEqual(typesOf(decision), ["order.stock_release_requested", "order.rejected"]);
  }
});

Deno.test("a voided payment (our refund came first) changes nothing anywhere", () => {
  for (const status of ORDER_STATUSES) ignored(at(status), failed("voided"));
});

Deno.test("reservation_committed confirms a paid order with its priced lines and totals", () => {
  const decision = decide(at("paid"), committed, clock);
  const { order, emit } = applied(decision);
  assert.equal(order.status, "confirmed");
  assert.equal(order.deadline, null);
  assert.deepEqual(typesOf(decision), ["order.confirmed"]);
  assert.deepEqual(emit[0]!.data, {
    order_id: "ord_1",
    customer_id: "cus_1",
    items: [
      { product_id: "p1", quantity: 2, unit_price: 1_250 },
      { product_id: "p2", quantity: 1, unit_price: 999 },
    ],
    subtotal: 3_499,
    fee: 0,
    total: 3_499,
  });
});

Deno.test("a failed commit refunds a paid order as product_unavailable", () => {
  for (const reason of ["reservation_lost", "reservation_released"] as const) {
    const decision = decide(at("paid"), { ...commitFailed, reason } as SagaInput, clock);
    const { order, emit } = applied(decision);
    assert.equal(order.status, "refunded");
    assert.equal(order.reason, "product_unavailable");
    assert.deepEqual(typesOf(decision), [...GIVE_BACK_BOTH, "order.refunded"]);
    assert.deepEqual(emit[2]!.data, {
      order_id: "ord_1",
      customer_id: "cus_1",
      amount: 3_499,
      reason: "product_unavailable",
    });
  }
});

const LOST_WITH_BOTH_SIDES_HELD = [
  ["paid", "refunds the order", "refunded", "product_unavailable"],
  ["reserved", "rejects the order and voids a charge in flight", "rejected", "unknown_product"],
] as const;

for (const [from, what, status, reason] of LOST_WITH_BOTH_SIDES_HELD) {
  Deno.test(`a product lost when ${from} ${what}`, () => {
    const decision = decide(at(from), lost, clock);
    assert.equal(applied(decision).order.status, status);
    assert.equal(applied(decision).order.reason, reason);
    assert.deepEqual(typesOf(decision), [...GIVE_BACK_BOTH, `order.${status}`]);
  });
}

Deno.test("a product lost before the reservation was seen rejects the pending order", () => {
  const decision = decide(pending(), lost, clock);
  assert.equal(applied(decision).order.reason, "unknown_product");
  assert.deepEqual(typesOf(decision), ["order.stock_release_requested", "order.rejected"]);
});

Deno.test("a product lost after confirmation is ignored: the stock was sold", () => {
  ignored(at("confirmed"), lost);
});

Deno.test("cancel before payment releases the stock, with a refund from reserved on", () => {
  const fromPending = decide(pending(), cancel, clock);
  assert.equal(applied(fromPending).order.status, "cancelled");
  assert.deepEqual(typesOf(fromPending), ["order.stock_release_requested", "order.cancelled"]);
  assert.deepEqual(applied(fromPending).emit[1]!.data, {
    order_id: "ord_1",
    customer_id: "cus_1",
    refund: false,
  });
  for (const status of ["reserved", "paid"] as const) {
    const decision = decide(at(status), cancel, clock);
    assert.equal(applied(decision).order.status, "cancelled");
    assert.equal(applied(decision).order.reason, null);
    assert.deepEqual(typesOf(decision), [
      "order.stock_release_requested",
      "order.refund_requested",
      "order.cancelled",
    ]);
    assert.equal((applied(decision).emit[2]!.data as { refund: boolean }).refund, true);
  }
});

Deno.test("cancel after confirmation refunds the order and returns the stock", () => {
  const decision = decide(at("confirmed"), cancel, clock);
  const { order, emit } = applied(decision);
  assert.equal(order.status, "refunded");
  assert.equal(order.reason, "cancelled");
  assert.deepEqual(typesOf(decision), [
    "order.stock_release_requested",
    "order.refund_requested",
    "order.refunded",
  ]);
  assert.equal((emit[2]!.data as { amount: number }).amount, 3_499);
});

Deno.test("cancel is refused once the order is cancelled, rejected or refunded", () => {
  for (const status of ["cancelled", "rejected", "refunded"] as const) {
    assert.equal(decide(at(status), cancel, clock).kind, "refuse");
  }
});

Deno.test("a deadline not yet passed changes nothing", () => {
  const order = pending();
  assert.equal(decide(order, deadline, clockAt(order.deadline! - 1)).kind, "ignore");
});

Deno.test("an overdue step is compensated: pending and reserved rejected, paid refunded", () => {
  const expected: Record<string, [OrderStatus, string[]]> = {
    pending: ["rejected", ["order.stock_release_requested", "order.rejected"]],
    reserved: ["rejected", [
      "order.stock_release_requested",
      "order.refund_requested",
      "order.rejected",
    ]],
    paid: ["refunded", [
      "order.refund_requested",
      "order.stock_release_requested",
      "order.refunded",
    ]],
  };
  for (const [status, [outcome, types]] of Object.entries(expected)) {
    const order = at(status as OrderStatus);
    const decision = decide(order, deadline, clockAt(order.deadline!));
    assert.equal(applied(decision).order.status, outcome);
    assert.equal(applied(decision).order.reason, "timeout");
    assert.deepEqual(typesOf(decision), types, status);
  }
});
