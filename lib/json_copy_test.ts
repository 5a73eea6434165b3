import assert from "node:assert/strict";
import { copyJson, frozenCopy, jsonSnapshot } from "./json_copy.ts";

/** Same structure, same key order, same prototypes: what JSON.parse would build. */
function assertSameJson(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
  if (typeof expected === "object" && expected !== null) {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(e));
    assert.deepEqual(Object.keys(a), Object.keys(e));
    for (const key of Object.keys(e)) assertSameJson(a[key], e[key]);
  }
}

class Point {
  constructor(readonly x: number, readonly y: number) {}
}

const cases: Record<string, unknown> = {
  "plain data": { n: 1, s: "x", b: true, z: null, list: [1, "two", [3], { four: 4 }] },
  "numbers JSON cannot carry": { nan: NaN, inf: -Infinity, negativeZero: -0, ok: 1.5 },
  "undefined, functions and symbols": {
    gone: undefined,
    fn: () => 1,
    sym: Symbol("s"),
    list: [undefined, () => 1, Symbol("s"), 1],
  },
  "integer-like keys first": { b: 1, 2: "two", a: 2, 1: "one" },
  "lone surrogates and escapes": { s: '\ud800 "quoted" \n \u0000 é' },
  "a Date": { at: new Date(0) },
  "a toJSON method": { v: { toJSON: (key: string) => `key ${key}` } },
  "a class instance": { p: new Point(1, 2) },
  "boxed primitives": { n: new Number(1), s: new String("s"), b: new Boolean(false) },
  "a Map and a typed array": { m: new Map([[1, 2]]), t: new Uint8Array([1, 2]) },
  "a null-prototype object": { o: Object.assign(Object.create(null), { a: 1 }) },
  "an own __proto__ key": JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
  "a sparse array": { list: [1, , 3] },
  "deep nesting": JSON.parse("[".repeat(300) + "]".repeat(300)),
  "a top-level string": "text",
  "top-level undefined": undefined,
};

for (const [name, value] of Object.entries(cases)) {
  Deno.test(`jsonSnapshot() matches a JSON round trip: ${name}`, () => {
    const text = JSON.stringify(value);
    const expected = text === undefined ? undefined : JSON.parse(text);
    assertSameJson(jsonSnapshot(value), expected);
  });
}

Deno.test("jsonSnapshot() throws what JSON.stringify throws", () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  assert.throws(() => jsonSnapshot(cycle), TypeError);
  assert.throws(() => jsonSnapshot({ n: 1n }), TypeError);
});

Deno.test("jsonSnapshot() shares nothing with its input", () => {
  const input = { a: { b: [1, { c: 2 }] } };
  const copy = jsonSnapshot(input) as typeof input;
  input.a.b.push(3);
  (input.a.b[1] as { c: number }).c = 99;
  assert.deepEqual(copy, { a: { b: [1, { c: 2 }] } });
});

Deno.test("copyJson() copies a JSON value deeply, frozen or not", () => {
  const parsed = JSON.parse('{"x": [1, {"y": 2}], "__proto__": {"z": 3}, "n": null}');
  const frozen = Object.freeze(parsed);
  const copy = copyJson(frozen);
  assertSameJson(copy, JSON.parse(JSON.stringify(frozen)));
  assert.ok(!Object.isFrozen(copy));
  copy.x[1].y = 99;
  assert.equal(frozen.x[1].y, 2);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype, "__proto__ stays a key");
});

Deno.test("jsonSnapshot reports whether its copy equals the value", () => {
  const report = { exact: false };
  jsonSnapshot({ n: 1, list: [1, "two", { three: null }] }, report);
  assert.equal(report.exact, true, "plain data");
  const changed: Record<string, unknown> = {
    "NaN": { n: NaN },
    "-0": { n: [-0] },
    "Infinity": { n: Infinity },
    "undefined": { n: undefined },
    "a function": { n: () => 1 },
    "a Date": { n: new Date(0) },
    "a class instance": { n: new Point(1, 2) },
  };
  for (const [name, value] of Object.entries(changed)) {
    jsonSnapshot(value, report);
    assert.equal(report.exact, false, name);
  }
});

Deno.test("frozenCopy copies a JSON value frozen all the way down, sharing what is frozen already", () => {
  const value = { n: 1, list: [{ a: 1 }, 2], nested: { s: "x" } };
  const frozen = frozenCopy(value);
  assert.deepStrictEqual(frozen, value);
  assert.notEqual(frozen, value);
  assert.ok(
    Object.isFrozen(frozen) && Object.isFrozen(frozen.list) && Object.isFrozen(frozen.list[0]),
  );
  assert.ok(!Object.isFrozen(value), "the original stays the caller's");
  assert.throws(() => {
    (frozen.nested as { s: string }).s = "y";
  }, TypeError);
  const next = frozenCopy({ ...frozen, n: 2 });
  assert.equal(next.list, frozen.list, "an unchanged part is shared");
  assert.equal(next.n, 2);
});
