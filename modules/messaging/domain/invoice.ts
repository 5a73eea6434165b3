/**
 * The invoice rule: what a confirmed order's invoice says.
 *
 * @module
 */
import type { EventData } from "../../../bus/mod.ts";
import type { orderConfirmed } from "../../orders/events.ts";
import type { Contact, NewInvoice } from "./types.ts";

/**
 * The invoice of a confirmed order: its lines at the prices fixed at
 * reservation, under the names the products had when it was issued.
 */
export function invoiceOf(
  order: EventData<typeof orderConfirmed>,
  contact: Contact | null,
  names: ReadonlyMap<string, string>,
  issuedAt: string,
): NewInvoice {
  return {
    order_id: order.order_id,
    customer_id: order.customer_id,
    items: order.items.map((item) => ({
      product_id: item.product_id,
      name: names.get(item.product_id) ?? null,
      quantity: item.quantity,
      unit_price: item.unit_price,
      amount: item.quantity * item.unit_price,
    })),
    subtotal: order.subtotal,
    fee: order.fee,
    total: order.total,
    issued_at: issuedAt,
    customer_name: contact?.name ?? null,
    customer_email: contact?.email ?? null,
  };
}
