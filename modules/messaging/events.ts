/**
 * What messaging publishes: the one file of messaging other modules may import.
 *
 * @module
 */
import { z } from "zod";
import { defineEvent } from "../../bus/mod.ts";
import { id } from "../../lib/schemas.ts";

/** The consumer group every messaging process shares. */
export const MESSAGING_GROUP = "messaging";
/** The `source` of every envelope messaging writes. */
export const MESSAGING_SOURCE = "messaging";

export const notificationKind = z.enum(["confirmed", "rejected", "cancelled", "refunded"]);

/** A notification was recorded for an order's outcome (delivery follows on its channel). */
export const notificationCreated = defineEvent(
  "messaging.notification_created",
  z.object({
    notification_id: id,
    customer_id: id,
    order_id: id,
    kind: notificationKind,
    channel: z.string(),
  }),
);

export const messagingEvents = [notificationCreated] as const;
