/**
 * Redis over TLS with an ACL user: a private redis-server that listens only
 * on a TLS port, with a CA of the run's own. The bus conformance suite and
 * one saga case run through it; a wrong password, a wrong CA or nothing
 * listening stops bazaar at start-up with one line and exit code 2, and no
 * secret is ever printed.
 */
import assert from "node:assert/strict";
import { runBusConformance } from "../testing/bus/conformance.ts";
import { RedisBus } from "../bus/redis/bus.ts";
import { closeConnection, openConnection } from "../bus/redis/connection.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import { freePort, runBazaar } from "../testing/spawn.ts";
import { TestCertificates } from "../testing/tls_certs.ts";
import {
  busWithEnv,
  removeOnExit,
  tlsBrokersAvailable,
  TlsRedisBroker,
  withEnv,
} from "../testing/tls_brokers.ts";
import { dlqListsOverTls, orderOverTls, refusedAtStart } from "./tls_cases.ts";

const available = tlsBrokersAvailable("redis-server");
// Started before any test, so no test's sanitizer counts them; closed by the last test.
const certs = available ? await TestCertificates.create() : null;
const broker = certs ? await TlsRedisBroker.open(certs) : null;
removeOnExit(broker?.dir, certs?.dir);
const tlsEnv: Record<string, string> = certs ? { REDIS_TLS_CA: certs.paths.ca } : {};

runBusConformance({
  name: "redis over TLS",
  available,
  create: (source, namespace, config) =>
    withEnv(
      tlsEnv,
      async () =>
        busWithEnv(await RedisBus.connect(broker!.url, { source, namespace, ...config }), tlsEnv),
    ),
  injectRaw: (namespace, type, raw) =>
    withEnv(tlsEnv, async () => {
      const redis = await openConnection(broker!.url, "inject", {});
      try {
        await redis.xadd(new RedisKeys(namespace).stream(type), "*", "e", raw);
      } finally {
        await closeConnection(redis);
      }
    }),
});

function test(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `redis over TLS: ${name}`, ignore: !available, fn });
}

test("one order is confirmed with the bus and the stores on rediss://", async () => {
  await orderOverTls(
    ["--bus", "redis", "--redis-url", broker!.url],
    tlsEnv,
    [broker!.password],
  );
});

/** Starts bazaar, expecting it to refuse: exit 2 and one line on stderr, naming no secret. */
function refused(args: string[], env: Record<string, string>, reason: RegExp) {
  return refusedAtStart(args, env, reason, [broker!.password]);
}

test("a wrong password stops the start with one line and exit 2", async () => {
  const line = await refused(
    ["--bus", "redis", "--redis-url", broker!.wrongPasswordUrl],
    tlsEnv,
    /^bazaar: Cannot connect to Redis at rediss:\/\/shop:\*\*\*@127\.0\.0\.1:\d+.*WRONGPASS/,
  );
  assert.ok(!line.includes("not-"), "the wrong password is not shown either");
});

test("a wrong password on the bus alone (memory stores) is refused the same way", async () => {
  await refused(
    ["--bus", "redis", "--store", "memory", "--redis-url", broker!.wrongPasswordUrl],
    tlsEnv,
    /Cannot connect to Redis at .*WRONGPASS/,
  );
});

test("a CA that did not sign the server's certificate stops the start", async () => {
  await refused(
    ["--bus", "redis", "--redis-url", broker!.url],
    { REDIS_TLS_CA: certs!.paths.otherCa },
    /Cannot connect to Redis at .*certificate/i,
  );
});

test("a TLS endpoint where nothing listens stops the start, no retry loop", async () => {
  const started = Date.now();
  await refused(
    ["--bus", "redis", "--redis-url", `rediss://shop:pw@127.0.0.1:${freePort()}`],
    tlsEnv,
    /Cannot connect to Redis at .*ECONNREFUSED/,
  );
  assert.ok(Date.now() - started < 15_000, "gave up within the start-up deadline");
});

test("a CA file that cannot be read is named, with its variable", async () => {
  await refused(
    ["--bus", "redis", "--redis-url", broker!.url],
    { REDIS_TLS_CA: `${certs!.dir}/missing.pem` },
    /^bazaar: REDIS_TLS_CA ".*missing\.pem" cannot be read/,
  );
});

test("TLS variables beside a plain redis:// URL are refused (the password would go in clear)", async () => {
  await refused(
    ["--bus", "redis", "--redis-url", `redis://shop:${broker!.password}@127.0.0.1:${broker!.port}`],
    tlsEnv,
    /REDIS_TLS_\* is set but the Redis URL redis:\/\/shop:\*\*\*@.* is not rediss:\/\//,
  );
});

test("a client certificate is presented where the server demands one", async () => {
  const strict = await TlsRedisBroker.open(certs!, { requireClientCert: true });
  const { clientCert, clientKey } = certs!.paths;
  try {
    const line = await refused(
      ["--bus", "redis", "--redis-url", strict.url],
      tlsEnv,
      /CertificateRequired/,
    );
    assert.match(line, /set REDIS_TLS_CERT and REDIS_TLS_KEY/);
    const withCert = await runBazaar(
      ["dlq", "list", "--bus", "redis", "--redis-url", strict.url],
      { ...tlsEnv, REDIS_TLS_CERT: clientCert, REDIS_TLS_KEY: clientKey },
    );
    assert.equal(withCert.code, 0, withCert.stderr);
  } finally {
    await strict.close();
  }
});

test("bazaar dlq reads the dead letters over TLS too", async () => {
  await dlqListsOverTls(["--bus", "redis", "--redis-url", broker!.url], tlsEnv);
});

// Last: every bus of the suite is closed by now.
test("the private broker and certificates are removed", async () => {
  await broker?.close();
  await certs?.close();
});
