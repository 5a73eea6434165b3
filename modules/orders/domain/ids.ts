/**
 * Order ids that sort by creation: the time, a counter for orders made in the
 * same millisecond by this process, then randomness. Listings break ties on
 * equal creation times by id, so a customer's orders read newest first even
 * when two were placed within one millisecond.
 *
 * @module
 */

let lastMs = 0;
let counter = 0;

export function newOrderId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    counter++;
  }
  const time = lastMs.toString(36).padStart(9, "0");
  const sequence = counter.toString(36).padStart(4, "0");
  const random = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  return `ord_${time}${sequence}${random}`;
}
