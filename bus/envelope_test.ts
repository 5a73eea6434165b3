import assert from "node:assert/strict";
import { z } from "zod";
import { createEnvelope, decodeEnvelope, envelopeFrom, envelopeSchema } from "./envelope.ts";
import { defineEvent } from "./types.ts";

const valid = {
  id: "evt_1",
  type: "order.placed",
  source: "orders",
  time: "2025-01-01T00:00:00.000Z",
  data: { n: 1 },
  correlation_id: "evt_1",
  causation_id: null,
  traceparent: null,
};

const replacements: Record<string, unknown[]> = {
  id: [undefined, null, "", 1, {}],
  type: [undefined, null, "", "Order.placed", "order..placed", "order.placed.", "1order", 7],
  source: [undefined, null, "", false],
  time: [undefined, null, "", 0],
  data: [undefined, null, 0, "", [], { nested: [1] }],
  correlation_id: [undefined, null, "", []],
  causation_id: [undefined, null, "", "evt_0", 0],
  traceparent: [undefined, null, "", "00-x", 1],
};

/** Every field missing, and replaced by values of every kind, plus a few whole values. */
function variants(): unknown[] {
  const out: unknown[] = [valid, { ...valid, extra: "dropped" }, null, [], "text", 1, [valid]];
  for (const [field, values] of Object.entries(replacements)) {
    const { [field]: _, ...without } = valid as Record<string, unknown>;
    out.push(without);
    for (const value of values) out.push({ ...valid, [field]: value });
  }
  // Key order must not matter, and the output is in schema order.
  out.push(Object.fromEntries(Object.entries(valid).reverse()));
  return out.map((value) => value === undefined ? value : JSON.parse(JSON.stringify(value)));
}

Deno.test("envelopeFrom() gives envelopeSchema's verdict and output on JSON values", () => {
  for (const value of variants()) {
    const fast = envelopeFrom(value);
    const zod = envelopeSchema.safeParse(value);
    assert.equal(fast !== null, zod.success, `verdicts differ on ${JSON.stringify(value)}`);
    if (zod.success) {
      assert.deepStrictEqual(fast, zod.data);
      assert.deepEqual(Object.keys(fast!), Object.keys(zod.data));
    }
  }
});

Deno.test("decodeEnvelope() words a refusal with zod's details", () => {
  assert.throws(
    () => decodeEnvelope(JSON.stringify({ ...valid, type: "Bad" })),
    /Message is not an envelope: .*type/s,
  );
  assert.throws(() => decodeEnvelope("{not json"), /Message is not JSON/);
});

Deno.test("createEnvelope() stamps the current time", () => {
  const ping = defineEvent("test.pinged", z.object({ n: z.number() }));
  const before = Date.now();
  const envelope = createEnvelope("test", ping, { n: 1 });
  const at = Date.parse(envelope.time);
  assert.ok(at >= before && at <= Date.now(), `time ${envelope.time}`);
  assert.equal(envelope.time, new Date(at).toISOString());
});
