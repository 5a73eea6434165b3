/**
 * A new pending order for the order store conformance suites.
 *
 * @module
 */
import type { Order } from "../../../modules/orders/domain/order.ts";
import { newOrder } from "../../../modules/orders/domain/place.ts";

/** Order `id` of `quantity` × p1 by `customerId`, placed at `at` (ms) with no fee. */
export function testOrder(
  id: string,
  customerId: string,
  at: number,
  quantity: number,
  stepTimeoutMs = 1_000,
): Order {
  const items = [{ product_id: "p1", quantity }];
  const request = { id, customer_id: customerId, items, correlation_id: id, traceparent: null };
  return newOrder(request, { now: at, feeBps: 0, stepTimeoutMs });
}
