/**
 * Hostile HTTP requests for the property-based tests (`npm:fast-check`):
 * given one operation of the OpenAPI document and the ids a running system
 * holds, arbitraries for what a careless or malicious client sends — bodies
 * near the schema with one field wrong (wrong types, huge and negative
 * numbers, NUL, lone surrogates, unknown fields, deep nesting), JSON that is
 * no object, text that is no JSON, bytes that are not UTF-8; every kind of
 * Content-Type, Prefer, Idempotency-Key, Origin, Authorization and
 * `bazaar_session` cookie; query strings and path parameters made of
 * arbitrary percent-encoded bytes.
 *
 * @module
 */
import fc from "fast-check";

/** A JSON schema as the OpenAPI document has it (the parts the generator reads). */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
}

export interface Operation {
  method: string;
  /** As the document spells it: `/orders/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
}

/** Who a request claims to be. */
export type Identity = "none" | "garbage" | "admin" | "a" | "b";

/** The ids and tokens of the running system that a request may name. */
export interface Known {
  admin: string;
  /** Two customers: `a` and `b`. */
  tokens: { a: string; b: string };
  /** Ids a path, query or body may carry: products, customers, orders. */
  ids: () => string[];
  /** The ids a `customer_id` or `product_id` names most of the time. */
  customers: () => string[];
  products: () => string[];
  emails: string[];
}

export interface HostileRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  url: string;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer> | null;
  /** Whom the credentials make the caller (the header wins over the cookie, as lib/auth.ts says). */
  identity: Identity;
  /** Whether the body is JSON text that is valid UTF-8 apart from bytes spliced in on purpose. */
  invalidUtf8: boolean;
}

/** Every UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\udc00y",
  "\ufeff",
  "\u202e",
  "🛒".repeat(50),
  "x".repeat(5_000),
  "<script>alert(1)</script>",
  "'; DROP TABLE orders; --",
  "../../etc/passwd",
  "__proto__",
  "constructor",
  "%00",
  "${7*7}",
  "null",
  "NaN",
  "-1",
  "1e309",
];

const NASTY_NUMBERS = [
  -1,
  0,
  -0,
  0.5,
  -0.0001,
  1.5,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(...NASTY_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Nested arrays or objects `depth` deep. */
function nested(depth: number, object: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = object ? { a: value } : [value];
  return value;
}

/** Any JSON value a client might send where another was expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [null], { "__proto__": { admin: true } }),
  hostileString,
  hostileNumber,
  fc.integer({ min: 10, max: 3_000 }).chain((depth) =>
    fc.boolean().map((object) => nested(depth, object))
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 5 }),
);

/** A value meant to satisfy `schema` (mostly), drawing ids from what the system holds. */
function plausible(schema: JsonSchema, name: string, known: Known): fc.Arbitrary<unknown> {
  if (schema.anyOf?.length) {
    return fc.oneof(...schema.anyOf.map((s) => plausible(s, name, known)));
  }
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case "integer":
      return fc.integer({
        min: Math.max(schema.minimum ?? 0, -1_000),
        max: Math.min(schema.maximum ?? 1_000, 1_000),
      });
    case "number":
      return fc.double({ min: 0, max: 1_000, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(plausible(schema.items ?? {}, name, known), { minLength: 1, maxLength: 3 });
    case "object":
      return objectFor(schema, known);
    case "string":
      if (/email/.test(name)) {
        return fc.oneof(fc.constantFrom(...known.emails), fc.emailAddress());
      }
      if (name === "customer_id") return fc.oneof(knownId(known.customers), knownId(known.ids));
      if (name === "product_id") return fc.oneof(knownId(known.products), knownId(known.ids));
      if (/(^|_)id$/.test(name)) return knownId(known.ids);
      if (/password/.test(name)) return fc.string({ minLength: 8, maxLength: 20 });
      return fc.string({ minLength: schema.minLength ?? 1, maxLength: 12 });
    default:
      return hostileValue;
  }
}

/** One of the ids the system holds when the request is drawn (seeded: an index, not Math.random). */
function knownId(list: () => string[]): fc.Arbitrary<string> {
  return fc.nat().map((n) => {
    const ids = list();
    return ids[n % ids.length] ?? "none";
  });
}

/** An object near the schema: each property plausible, hostile or missing; maybe an unknown one. */
function objectFor(schema: JsonSchema, known: Known): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(schema.properties ?? {}).map(([name, property]) =>
    fc.tuple(
      fc.constant(name),
      fc.oneof(
        { weight: 6, arbitrary: plausible(property, name, known) },
        { weight: 2, arbitrary: hostileValue },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
    )
  );
  return fc.tuple(
    fc.tuple(...entries),
    fc.option(fc.tuple(hostileString, hostileValue), { freq: 5 }),
  ).map(([pairs, extra]) => {
    const body: Record<string, unknown> = {};
    for (const [name, value] of pairs) if (value !== undefined) body[name] = value;
    if (extra) body[extra[0]] = extra[1];
    return body;
  });
}

const encoder = new TextEncoder();

/** Byte sequences no UTF-8 decoder may accept: a lone continuation, an overlong, WTF-8 surrogates. */
const BAD_UTF8 = [[0xff], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80], [0xc3]];

/** `text` with one invalid UTF-8 sequence spliced in (inside a string when it has one). */
function spliceBadUtf8(text: string, which: number): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(text);
  const quote = bytes.indexOf(0x22);
  const at = quote >= 0 ? quote + 1 : Math.floor(bytes.length / 2);
  const bad = BAD_UTF8[which % BAD_UTF8.length]!;
  return new Uint8Array([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)]);
}

const RAW_TEXTS = [
  "",
  "{",
  "{name: a}",
  '{"a":1,"a":2}',
  "[".repeat(10_000),
  "1e99999",
  `{"price":${"9".repeat(400)}}`,
  '{"__proto__":{"isAdmin":true}}',
  '"\\ud800"',
  '{"name":"\\u0000"}',
  "\u0000",
  "null",
  "true",
];

export interface BodyArbitraries {
  /** Any body for the operation: near the schema, hostile JSON, raw text, or broken bytes. */
  any: fc.Arbitrary<{ bytes: Uint8Array<ArrayBuffer>; invalidUtf8: boolean }>;
  /** A plausible body with invalid UTF-8 spliced in. */
  notUtf8: fc.Arbitrary<Uint8Array<ArrayBuffer>>;
}

export function bodyArbitraries(operation: Operation, known: Known): BodyArbitraries {
  const near = operation.body ? objectFor(operation.body, known) : fc.constant({});
  const json = (value: unknown) => JSON.stringify(value) ?? "null";
  const notUtf8 = fc.tuple(near, fc.nat()).map(([value, which]) =>
    spliceBadUtf8(json(value), which)
  );
  const valid = (text: string) => ({ bytes: encoder.encode(text), invalidUtf8: false });
  return {
    notUtf8,
    any: fc.oneof(
      { weight: 6, arbitrary: near.map((value) => valid(json(value))) },
      { weight: 2, arbitrary: hostileValue.map((value) => valid(json(value))) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_TEXTS).map(valid) },
      { weight: 1, arbitrary: hostileString.map(valid) },
      { weight: 1, arbitrary: notUtf8.map((bytes) => ({ bytes, invalidUtf8: true })) },
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes, invalidUtf8: false })),
      },
    ),
  };
}

/** Arbitrary bytes, percent-encoded (`%FF`, `%00`, `%ED%A0%80` included). */
const encodedBytes = fc.uint8Array({ maxLength: 24 }).map((bytes) =>
  [...bytes].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("")
);

/** A percent-encoded UTF-8 string; lone surrogates become their WTF-8 bytes. */
function encodeText(text: string): string {
  return [...text].map((char) => {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    }
    return encodeURIComponent(char);
  }).join("");
}

const pathValue = (known: Known) =>
  fc.oneof(
    { weight: 4, arbitrary: knownId(known.ids).map(encodeURIComponent) },
    { weight: 2, arbitrary: hostileString.map(encodeText) },
    { weight: 1, arbitrary: encodedBytes },
    { weight: 1, arbitrary: fc.constantFrom("..", ".", "%2F", "%2e%2e", "x".repeat(3_000), "%") },
  );

function queryString(operation: Operation, known: Known): fc.Arbitrary<string> {
  const declared = operation.queryParams.map(({ name, schema }) =>
    fc.option(
      fc.oneof(
        plausible(schema, name, known).map((value) => encodeURIComponent(String(value))),
        hostileString.map(encodeText),
        encodedBytes,
        fc.constantFrom("-1", "0", "99999999999999999999", "1.5", "true", ""),
      ).map((value) => `${name}=${value}`),
      { freq: 2 },
    )
  );
  return fc.tuple(
    fc.tuple(...declared),
    fc.array(fc.tuple(hostileString, encodedBytes), { maxLength: 2 }),
    fc.constantFrom("", "&", "&&", "&=", "&%", "&limit=1&limit=2"),
  ).map(([params, unknown, tail]) => {
    const parts = [
      ...params.filter((p): p is string => p !== null),
      ...unknown.map(([name, value]) => `${encodeText(name)}=${value}`),
    ];
    const query = parts.join("&") + tail;
    return query ? `?${query}` : "";
  });
}

/** Header values a client can send (Latin-1 without CR, LF or NUL). */
const headerText = fc.string({
  unit: fc.integer({ min: 0x01, max: 0xff }).filter((n) => n !== 0x0a && n !== 0x0d)
    .map((n) => String.fromCharCode(n)),
  maxLength: 60,
});

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "text/plain",
  "text/html",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "",
  "json",
];

const PREFERS = ["wait=0", "wait=1", "wait=abc", "wait=-1", "wait=99999", "respond-async", ""];
const ORIGINS = ["http://localhost", "https://evil.example", "null", "", "http://localhost:1"];

/** Credentials (Authorization and cookie) and who they make the caller. */
function credentials(known: Known): fc.Arbitrary<{ headers: [string, string][]; who: Identity }> {
  const { a, b } = known.tokens;
  const valid = fc.constantFrom<[string | null, Identity]>(
    [null, "none"],
    [`Bearer ${a}`, "a"],
    [`Bearer ${b}`, "b"],
    [`Bearer ${known.admin}`, "admin"],
    [`bearer ${a}`, "a"],
  );
  const invalid = fc.constantFrom<[string | null, Identity]>(
    ["Bearer garbage", "garbage"],
    [`Bearer ${a}x`, "garbage"],
    [`Bearer ${tamper(a)}`, "garbage"],
    [`Basic ${btoa("admin:admin")}`, "garbage"],
    [`Bearer ${a} ${b}`, "garbage"],
    ["Bearer", "garbage"],
  );
  const bearer = fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: invalid });
  const noCookie = fc.constant<[string | null, Identity]>([null, "none"]);
  const someCookie = fc.constantFrom<[string | null, Identity]>(
    [`bazaar_session=${a}`, "a"],
    [`bazaar_session=${b}`, "b"],
    [`bazaar_session=${known.admin}`, "garbage"],
    ["bazaar_session=garbage", "garbage"],
    [`bazaar_session=${tamper(b)}`, "garbage"],
    ["bazaar_session", "garbage"],
    ["=;;;=", "none"],
  );
  const cookie = fc.oneof({ weight: 3, arbitrary: noCookie }, { weight: 1, arbitrary: someCookie });
  const anyHeader = headerText.map((text): [string, Identity] => [text, "garbage"]);
  return fc.tuple(
    fc.oneof({ weight: 12, arbitrary: bearer }, { weight: 1, arbitrary: anyHeader }),
    cookie,
  ).map(([[authorization, byHeader], [cookieText, byCookie]]) => {
    const headers: [string, string][] = [];
    if (authorization !== null) headers.push(["authorization", authorization]);
    if (cookieText !== null) headers.push(["cookie", cookieText]);
    // A header is a claim even when it fails (lib/auth.ts: the header wins);
    // an empty one (Fetch trims the value) is no header.
    const claims = authorization !== null && authorization.trim() !== "";
    const who = claims ? byHeader : byCookie;
    return { headers, who: who === "none" && cookieText !== null ? "garbage" : who };
  });
}

/** A token whose payload was changed: its signature no longer matches. */
function tamper(token: string): string {
  const [head, payload, signature] = token.split(".");
  if (!payload) return `${token}x`;
  const claims = JSON.parse(new TextDecoder().decode(
    Uint8Array.fromBase64(payload, { alphabet: "base64url" }),
  ));
  claims.sub = "cus_someone_else";
  const forged = encoder.encode(JSON.stringify(claims)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  return `${head}.${forged}.${signature}`;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/** A hostile request for `operation` (sometimes with another method than it documents). */
export function requestFor(operation: Operation, known: Known): fc.Arbitrary<HostileRequest> {
  const bodies = bodyArbitraries(operation, known);
  const params = fc.tuple(...operation.pathParams.map(() => pathValue(known)));
  return fc.record({
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(operation.method.toUpperCase()) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
    params,
    query: queryString(operation, known),
    body: fc.option(bodies.any, { freq: operation.body ? 10 : 3, nil: null }),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/json") },
      { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      { weight: 1, arbitrary: headerText },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    credentials: credentials(known),
    prefer: fc.option(fc.oneof(fc.constantFrom(...PREFERS), headerText), { freq: 3 }),
    idempotencyKey: fc.option(fc.oneof(headerText, fc.constant("k".repeat(5_000))), { freq: 3 }),
    origin: fc.option(fc.oneof(fc.constantFrom(...ORIGINS), headerText), { freq: 3 }),
  }).map((drawn) => {
    let path = operation.path;
    operation.pathParams.forEach((name, i) => {
      path = path.replace(`{${name}}`, drawn.params[i]!);
    });
    const bodyless = drawn.method === "GET" || drawn.method === "HEAD";
    const body = bodyless ? null : drawn.body;
    const headers: [string, string][] = [...drawn.credentials.headers];
    if (body && drawn.contentType !== null) headers.push(["content-type", drawn.contentType]);
    if (drawn.prefer !== null) headers.push(["prefer", drawn.prefer]);
    if (drawn.idempotencyKey !== null) headers.push(["idempotency-key", drawn.idempotencyKey]);
    if (drawn.origin !== null) headers.push(["origin", drawn.origin]);
    return {
      method: drawn.method,
      url: path + drawn.query,
      headers,
      body: body?.bytes ?? null,
      identity: drawn.credentials.who,
      invalidUtf8: body?.invalidUtf8 ?? false,
    };
  });
}

/** Every operation of an OpenAPI document. */
// deno-lint-ignore no-explicit-any
export function operationsOf(document: any): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    // deno-lint-ignore no-explicit-any
    for (const [method, spec] of Object.entries(methods as Record<string, any>)) {
      // deno-lint-ignore no-explicit-any
      const parameters: any[] = spec.parameters ?? [];
      operations.push({
        method,
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        queryParams: parameters.filter((p) => p.in === "query").map((p) => ({
          name: p.name,
          schema: p.schema ?? {},
        })),
        body: spec.requestBody?.content?.["application/json"]?.schema ?? null,
      });
    }
  }
  return operations;
}
