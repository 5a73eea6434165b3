import assert from "node:assert/strict";
import type { EventContract } from "../../../bus/types.ts";
import { orderEvents } from "../events.ts";
import { ALL_INPUTS, applied, at, cancel } from "../../../testing/modules/orders/saga_fixtures.ts";
import { clockAt, commitFailed, committed } from "../../../testing/modules/orders/saga_fixtures.ts";
import { failed, ignored, lost } from "../../../testing/modules/orders/saga_fixtures.ts";
import { outOfStock, paid, pending, play } from "../../../testing/modules/orders/saga_fixtures.ts";
import { reserved, T0, typesOf } from "../../../testing/modules/orders/saga_fixtures.ts";
import { isTerminal, ORDER_STATUSES } from "./order.ts";
import { decide } from "./transitions.ts";

const clock = clockAt(T0 + 100);

Deno.test("a late reservation for a dead order is released", () => {
  for (const status of ["cancelled", "rejected", "refunded"] as const) {
    const order = at(status);
    const decision = decide(order, reserved, clock);
    assert.deepEqual(applied(decision).order, order, "the order itself stays as it was");
    assert.deepEqual(typesOf(decision), ["order.stock_release_requested"]);
  }
});

Deno.test("a late payment for a dead order is refunded", () => {
  const cancelledWhileReserved = play(reserved, cancel);
  for (const order of [cancelledWhileReserved, at("rejected"), at("refunded")]) {
    const decision = decide(order, paid, clock);
    assert.deepEqual(applied(decision).order, order);
    assert.deepEqual(typesOf(decision), ["order.refund_requested"]);
  }
});

Deno.test("duplicates of the answer that moved an order change nothing", () => {
  ignored(at("reserved"), reserved);
  ignored(at("paid"), reserved);
  ignored(at("confirmed"), reserved);
  ignored(at("paid"), paid);
  ignored(at("confirmed"), paid);
  ignored(at("confirmed"), committed);
  ignored(at("rejected"), outOfStock);
  ignored(play(reserved, failed("insufficient_funds")), failed("insufficient_funds"));
  ignored(play(reserved, paid, commitFailed), commitFailed);
  ignored(play(reserved, paid, lost), lost);
  ignored(play(reserved, paid, lost), commitFailed);
});

Deno.test("answers that arrive before their step are ignored", () => {
  ignored(pending(), paid);
  ignored(pending(), failed("insufficient_funds"));
  ignored(pending(), committed);
  ignored(pending(), commitFailed);
  ignored(at("reserved"), committed);
  ignored(at("reserved"), outOfStock);
  ignored(at("paid"), failed("insufficient_funds"));
});

Deno.test("a terminal order never changes status again, except confirmed → refunded by cancel", () => {
  for (const status of ORDER_STATUSES.filter(isTerminal)) {
    for (const input of ALL_INPUTS) {
      const decision = decide(at(status), input, clockAt(T0 + 60_000));
      if (decision.kind !== "apply") continue;
      if (status === "confirmed" && input.kind === "cancel") continue;
      assert.equal(decision.order.status, status, `${input.kind} moved a ${status} order`);
    }
  }
});

Deno.test("every emitted event matches its published contract, and decide() mutates nothing", () => {
  const contracts = new Map<string, EventContract>(orderEvents.map((e) => [e.type, e]));
  for (const status of ORDER_STATUSES) {
    for (const input of ALL_INPUTS) {
      const order = at(status);
      const before = structuredClone(order);
      const decision = decide(order, input, clockAt(T0 + 60_000));
      assert.deepEqual(order, before, `${input.kind} on ${status} mutated the order`);
      if (decision.kind !== "apply") continue;
      const next = decision.order;
      assert.equal(next.deadline === null, isTerminal(next.status), "deadline iff in flight");
      for (const { event, data } of decision.emit) {
        assert.equal(contracts.get(event.type), event, `${event.type} is an orders contract`);
        event.schema.parse(data);
      }
    }
  }
});
