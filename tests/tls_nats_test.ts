/**
 * NATS over TLS with a user and password: a private nats-server (JetStream)
 * that requires TLS, with a CA of the run's own. The bus conformance suite
 * and one saga case (stores on a TLS Redis) run through it; a wrong password,
 * a wrong CA or nothing listening stops bazaar at start-up with one line and
 * exit code 2, and no secret is ever printed.
 */
import assert from "node:assert/strict";
import { runBusConformance } from "../testing/bus/conformance.ts";
import { connectNats, natsSecurityOptions } from "../bus/nats/connection.ts";
import { NatsBus } from "../bus/nats/bus.ts";
import { natsNames } from "../bus/nats/names.ts";
import { freePort, runBazaar } from "../testing/spawn.ts";
import { TestCertificates } from "../testing/tls_certs.ts";
import {
  removeOnExit,
  tlsBrokersAvailable,
  TlsNatsBroker,
  TlsRedisBroker,
  withEnv,
} from "../testing/tls_brokers.ts";
import { dlqListsOverTls, orderOverTls } from "./tls_cases.ts";

const available = tlsBrokersAvailable("nats-server", "redis-server");
// Started before any test, so no test's sanitizer counts them; closed by the last test.
const certs = available ? await TestCertificates.create() : null;
const nats = certs ? await TlsNatsBroker.open(certs) : null;
const redis = certs ? await TlsRedisBroker.open(certs) : null;
removeOnExit(nats?.dir, redis?.dir, certs?.dir);
const tlsEnv: Record<string, string> = certs
  ? { NATS_TLS_CA: certs.paths.ca, REDIS_TLS_CA: certs.paths.ca }
  : {};

runBusConformance({
  name: "nats over TLS",
  available,
  // The connection reads NATS_TLS_* once; its subscriptions and reconnects reuse it.
  create: (source, namespace, config) =>
    withEnv(tlsEnv, () => NatsBus.connect(nats!.url, { source, namespace, ...config })),
  lacks: {
    keepsUntaken: "JetStream's limits drop the oldest messages whatever the durables have acked",
  },
  injectRaw: (namespace, type, raw) =>
    withEnv(tlsEnv, async () => {
      const nc = await connectNats(nats!.url);
      await nc.jetstream().publish(natsNames(namespace).eventSubject(type), raw);
      await nc.close();
    }),
});

function test(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `nats over TLS: ${name}`, ignore: !available, fn });
}

test("one order is confirmed with the bus on tls:// and the stores on rediss://", async () => {
  await orderOverTls(
    ["--bus", "nats", "--nats-url", nats!.url, "--redis-url", redis!.url],
    tlsEnv,
    [nats!.password, redis!.password],
  );
});

/** Starts bazaar, expecting it to refuse: exit 2 and one line on stderr, naming no secret. */
async function refused(args: string[], env: Record<string, string>, reason: RegExp) {
  const { code, stdout, stderr } = await runBazaar(
    ["--modules", "all", "--bus", "nats", "--store", "memory", ...args],
    env,
  );
  const lines = stderr.trim().split("\n");
  assert.equal(code, 2, `exit code (stderr: ${stderr})`);
  assert.equal(lines.length, 1, `one line on stderr, not:\n${stderr}`);
  assert.match(lines[0]!, reason);
  assert.ok(!(stdout + stderr).includes(nats!.password), "no password in the output");
  return lines[0]!;
}

test("a wrong password stops the start with one line and exit 2", async () => {
  const line = await refused(
    ["--nats-url", nats!.wrongPasswordUrl],
    tlsEnv,
    /^bazaar: Cannot connect to NATS at tls:\/\/shop:\*\*\*@127\.0\.0\.1:\d+: .*Authorization Violation/,
  );
  assert.ok(!line.includes("not-"), "the wrong password is not shown either");
});

test("a CA that did not sign the server's certificate stops the start", async () => {
  await refused(
    ["--nats-url", nats!.url],
    { NATS_TLS_CA: certs!.paths.otherCa },
    /Cannot connect to NATS at .*(certificate|verify)/i,
  );
});

test("a TLS endpoint where nothing listens stops the start, no retry loop", async () => {
  await refused(
    ["--nats-url", `tls://shop:pw@127.0.0.1:${freePort()}`],
    tlsEnv,
    /Cannot connect to NATS at .*CONNECTION_REFUSED/,
  );
});

test("a creds file that is not one is named, with its variable", async () => {
  await refused(
    ["--nats-url", nats!.url],
    { ...tlsEnv, NATS_CREDS: certs!.paths.ca },
    /^bazaar: NATS_CREDS ".*" is not a creds file/,
  );
});

test("natsSecurityOptions() reads the PEM files into nats.js options", () => {
  const { ca, clientCert, clientKey } = certs!.paths;
  const options = natsSecurityOptions("nats://127.0.0.1:4222", {
    NATS_TLS_CA: ca,
    NATS_TLS_CERT: clientCert,
    NATS_TLS_KEY: clientKey,
  });
  assert.match(options.tls?.ca ?? "", /BEGIN CERTIFICATE/);
  assert.match(options.tls?.cert ?? "", /BEGIN CERTIFICATE/);
  assert.match(options.tls?.key ?? "", /PRIVATE KEY/);
  assert.deepEqual(natsSecurityOptions("nats://127.0.0.1:4222", {}), {});
  assert.deepEqual(natsSecurityOptions("tls://127.0.0.1:4222", {}), { tls: {} });
});

test("bazaar dlq reads the dead letters over TLS too", async () => {
  await dlqListsOverTls(["--bus", "nats", "--nats-url", nats!.url], tlsEnv);
});

// Last: every bus of the suite is closed by now.
test("the private brokers and certificates are removed", async () => {
  await nats?.close();
  await redis?.close();
  await certs?.close();
});
