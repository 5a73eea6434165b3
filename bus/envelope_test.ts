import assert from "node:assert/strict";
import { z } from "zod";
import {
  createEnvelope,
  decodeEnvelope,
  envelopeFrom,
  envelopeSchema,
  validateData,
  vouchedBy,
} from "./envelope.ts";
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

Deno.test("a consumer with the publisher's own schema does not parse kept data again; another schema does", () => {
  let parses = 0;
  const schema = z.object({ n: z.number() }).refine(() => ++parses > 0);
  const event = defineEvent("test.vouched", schema);
  const envelope = createEnvelope("test", event, { n: 1 });
  assert.equal(parses, 1, "parsed once at publish");
  assert.equal(vouchedBy(envelope.data), schema);
  const same = validateData(envelope, new Map([[event.type, event]]), true);
  assert.equal(parses, 1, "the same schema vouched for it");
  assert.deepEqual(same.data, { n: 1 });
  assert.notEqual(same.data, envelope.data, "still a copy of its own");
  const other = defineEvent("test.vouched", z.object({ n: z.number() }).refine(() => ++parses > 0));
  validateData(envelope, new Map([[other.type, other]]), true);
  assert.equal(parses, 2, "another schema parses");
  assert.throws(
    () =>
      validateData(
        envelope,
        new Map([[event.type, defineEvent(event.type, z.object({ n: z.string() }))]]),
        true,
      ),
    /failed validation/,
  );
});
