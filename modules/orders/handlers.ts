/**
 * The bus side of the saga: each answer from inventory or accounts becomes a
 * saga input for the order it names. Thin on purpose; the rules live in
 * saga/transitions.ts and the writes in service.ts.
 *
 * @module
 */
import type { Bus, EventContract, EventData, Handler, Subscription } from "../../bus/types.ts";
import type { Logger } from "../../lib/logger.ts";
import { paymentFailed, paymentSucceeded } from "../accounts/events.ts";
import {
  reservationCommitFailed,
  reservationCommitted,
  reservationLost,
  reservationRejected,
  stockReserved,
} from "../inventory/events.ts";
import type { SagaInput } from "./saga/decision.ts";
import type { OrderService } from "./service.ts";

/** Every process of the orders module shares this consumer group. */
export const ORDERS_GROUP = "orders";

interface Route {
  event: EventContract;
  toInput(data: unknown): { orderId: string; input: SagaInput };
}

function on<C extends EventContract>(
  event: C,
  toInput: (data: EventData<C>) => SagaInput,
): Route {
  return {
    event,
    toInput: (data) => {
      const parsed = event.schema.parse(data) as EventData<C> & { order_id: string };
      return { orderId: parsed.order_id, input: toInput(parsed) };
    },
  };
}

const ROUTES: readonly Route[] = [
  on(stockReserved, (d) => ({ kind: "stock_reserved", lines: d.lines })),
  on(reservationRejected, (d) => ({
    kind: "reservation_rejected",
    reason: d.reason,
    product_id: d.product_id,
  })),
  on(reservationCommitted, () => ({ kind: "reservation_committed" })),
  on(reservationCommitFailed, (d) => ({ kind: "reservation_commit_failed", reason: d.reason })),
  on(reservationLost, (d) => ({ kind: "reservation_lost", product_id: d.product_id })),
  on(paymentSucceeded, (d) => ({ kind: "payment_succeeded", amount: d.amount })),
  on(paymentFailed, (d) => ({ kind: "payment_failed", reason: d.reason })),
];

/** The events the saga listens to. */
export const SAGA_EVENTS: readonly EventContract[] = ROUTES.map((route) => route.event);

export type ApplySagaInput = OrderService["apply"];

export function sagaHandler(apply: ApplySagaInput, log: Logger): Handler {
  const routes = new Map(ROUTES.map((route) => [route.event.type, route]));
  return async (envelope) => {
    const route = routes.get(envelope.type);
    if (!route) return;
    const { orderId, input } = route.toInput(envelope.data);
    const result = await apply(orderId, input, envelope);
    const fields = { order_id: orderId, event: envelope.type, event_id: envelope.id };
    if (result.kind === "unknown") {
      // Not an order of ours (another system on the bus, or a lost store): nothing to act on.
      log.warn("Event names an unknown order; ignored", fields);
    } else if (result.kind !== "applied") {
      log.debug("Event changes nothing", { ...fields, why: result.why });
    }
  };
}

export function subscribeSaga(bus: Bus, apply: ApplySagaInput, log: Logger): Promise<Subscription> {
  return bus.subscribe(ORDERS_GROUP, SAGA_EVENTS, sagaHandler(apply, log));
}
