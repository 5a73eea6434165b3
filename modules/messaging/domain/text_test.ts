import assert from "node:assert/strict";
import { composeMessage, formatMoney } from "./text.ts";

/** The facts of confirmed order o1: its goods, its fee and lines of [product id, quantity]. */
function confirmedFacts(subtotal: number, fee: number, lines: [string, number][]) {
  const items = lines.map(([product_id, quantity]) => ({ product_id, quantity }));
  return {
    kind: "confirmed",
    order_id: "o1",
    total: subtotal + fee,
    subtotal,
    fee,
    items,
  } as const;
}

Deno.test("formatMoney() writes minor units in the currency, exactly", () => {
  assert.equal(formatMoney(0), "$0.00");
  assert.equal(formatMoney(5), "$0.05");
  assert.equal(formatMoney(1999), "$19.99");
  assert.equal(formatMoney(-250), "-$2.50");
  assert.equal(formatMoney(123456789), "$1,234,567.89");
  assert.equal(formatMoney(Number.MAX_SAFE_INTEGER), "$90,071,992,547,409.91");
  assert.equal(formatMoney(123456, "EUR"), "€1,234.56");
  assert.equal(formatMoney(500, "JPY"), "¥500", "no minor unit");
  assert.equal(formatMoney(1234, "KWD"), "KWD\u00a01.234", "three decimals");
});

Deno.test("composeMessage() greets by name when the customer is known", () => {
  const contact = { customer_id: "c", name: "Ada", email: "ada@example.com" };
  const facts = confirmedFacts(1000, 10, [["p-1", 3], ["p-2", 1]]);
  const known = composeMessage(facts, contact);
  assert.equal(known.subject, "Your order o1 is confirmed");
  assert.match(known.body, /^Hello Ada,/);
  assert.match(known.body, /\n {2}3 × p-1\n {2}1 × p-2\n/, "unnamed products show their id");
  assert.match(known.body, /charged \$10\.10 .*\$10\.00 for the goods and a fee of \$0\.10/);
  assert.match(composeMessage(facts, null).body, /^Hello,/);
});

Deno.test("composeMessage() lists a confirmed order's items by name where it knows them", () => {
  const facts = confirmedFacts(100, 0, [["p-1", 3], ["p-2", 1]]);
  const { body } = composeMessage(facts, null, new Map([["p-1", "Blue Teapot"]]));
  assert.match(body, /confirmed:\n\n {2}3 × Blue Teapot\n {2}1 × p-2\n\nWe charged \$1\.00/);
});

Deno.test("composeMessage() explains rejections, cancellations and refunds", () => {
  const rejected = composeMessage(
    { kind: "rejected", order_id: "o2", reason: "out_of_stock" },
    null,
  );
  assert.match(rejected.body, /because an item in it is out of stock\. You have not been charged/);
  const odd = composeMessage({ kind: "rejected", order_id: "o2", reason: "gremlins" }, null);
  assert.match(odd.body, /because of "gremlins"/);
  const cancelled = composeMessage({ kind: "cancelled", order_id: "o3", refund: true }, null);
  assert.match(cancelled.body, /refunded to your balance/);
  const refunded = composeMessage(
    { kind: "refunded", order_id: "o4", amount: 250, reason: "product_unavailable" },
    null,
  );
  assert.match(refunded.body, /refunded \$2\.50 .* because a product in it is no longer available/);
});

Deno.test("composeMessage() writes amounts in the shop's currency", () => {
  const facts = confirmedFacts(1200, 34, [["p-1", 1]]);
  const { body } = composeMessage(facts, null, new Map(), "EUR");
  assert.match(body, /charged €12\.34 to your balance: €12\.00 for the goods and a fee of €0\.34/);
  const refunded = composeMessage(
    { kind: "refunded", order_id: "o4", amount: 250, reason: "cancelled" },
    null,
    new Map(),
    "GBP",
  );
  assert.match(refunded.body, /refunded £2\.50/);
});
