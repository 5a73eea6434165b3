import assert from "node:assert/strict";
import { redactUrl } from "./redact.ts";

Deno.test("redactUrl() masks a password and keeps the user, host and port", () => {
  assert.equal(redactUrl("rediss://shop:s3cr%40t@cache:6380/0"), "rediss://shop:***@cache:6380/0");
  assert.equal(redactUrl("redis://:pw@127.0.0.1:6379"), "redis://:***@127.0.0.1:6379");
});

Deno.test("redactUrl() masks a lone user name, which NATS takes as a token", () => {
  assert.equal(redactUrl("nats://t0ken@nats:4222"), "nats://***@nats:4222");
});

Deno.test("redactUrl() masks every server of a list, with or without a scheme", () => {
  assert.equal(
    redactUrl("tls://a:x@n1:4222, b:y@n2:4222,n3:4222"),
    "tls://a:***@n1:4222, b:***@n2:4222,n3:4222",
  );
});

Deno.test("redactUrl() leaves a URL without credentials as it is", () => {
  assert.equal(redactUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  assert.equal(redactUrl("memory://main"), "memory://main");
});

Deno.test("redactUrl() masks what precedes the last @, even in a password holding one", () => {
  const redacted = redactUrl("redis://u:p@ss@host:1");
  assert.equal(redacted, "redis://u:***@host:1");
  assert.ok(!redacted.includes("p@ss"));
});
