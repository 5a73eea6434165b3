/**
 * A Redis Cluster over TLS with an ACL user: six private redis-server nodes
 * (three masters, a replica each) that listen only on TLS ports, with the
 * cluster bus and replication on TLS too, and only the user `shop` let in.
 * Through `rediss+cluster://shop:<password>@…` with REDIS_TLS_CA: the bus
 * conformance suite, the saga's paid order on a real bazaar process (no
 * secret in its logs, /health, /ready) and `bazaar dlq list`; the same
 * order on a cluster whose certificates name the nodes' host name alone; a
 * wrong password or a CA that signed nothing stops bazaar at start-up with
 * one line and exit code 2. Skipped loudly without redis-server or openssl, failed
 * with REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import { RedisBus } from "../bus/redis/bus.ts";
import { closeConnection, openConnection } from "../bus/redis/connection.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import { isCluster } from "../lib/redis_client.ts";
import { redisCommand } from "../testing/brokers.ts";
import { runBusConformance } from "../testing/bus/conformance.ts";
import { RedisCluster } from "../testing/redis_cluster.ts";
import { TestCertificates } from "../testing/tls_certs.ts";
import {
  busWithEnv,
  newPassword,
  removeOnExit,
  TLS_USER,
  tlsBrokersAvailable,
  withEnv,
} from "../testing/tls_brokers.ts";
import { dlqListsOverTls, orderOverTls, refusedAtStart } from "./tls_cases.ts";

const available = tlsBrokersAvailable("redis-server");
const password = newPassword();
// Started before any test, so no test's sanitizer counts them; closed by the last test.
const certs = available ? await TestCertificates.create() : null;
const cluster = certs
  ? await RedisCluster.open({ masters: 3, replicas: 1, tls: { certs, user: TLS_USER, password } })
  : null;
removeOnExit(cluster?.dir, certs?.dir);
const tlsEnv: Record<string, string> = certs ? { REDIS_TLS_CA: certs.paths.ca } : {};
const label = "redis cluster over TLS";

runBusConformance({
  name: label,
  available,
  create: (source, namespace, config) =>
    withEnv(
      tlsEnv,
      async () =>
        busWithEnv(
          await RedisBus.connect(cluster!.url, { source, namespace, ...config }),
          tlsEnv,
        ),
    ),
  injectRaw: (namespace, type, raw) =>
    withEnv(tlsEnv, async () => {
      const redis = await openConnection(cluster!.url, "inject", {});
      try {
        await redis.xadd(new RedisKeys(namespace).stream(type), "*", "e", raw);
      } finally {
        await closeConnection(redis);
      }
    }),
});

function test(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `${label}: ${name}`, ignore: !available, fn });
}

test("the nodes speak only TLS, and a Cluster client reaches every master through it", async () => {
  for (const node of cluster!.nodes) {
    assert.ok(
      !(await redisCommand(node.port, "PING")).includes("PONG"),
      `node :${node.port} gives a plain PING no PONG`,
    );
  }
  const client = await withEnv(tlsEnv, () => openConnection(cluster!.url, "check", {}));
  try {
    assert.ok(isCluster(client), "a rediss+cluster:// URL opens a Cluster client");
    const masters = client.nodes("master");
    assert.equal(masters.length, 3, "the slot map names three masters");
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.set(`tlsc:${i}`, String(i))));
    const sizes = await Promise.all(masters.map((node) => node.dbsize()));
    assert.ok(sizes.every((size) => size > 0), `keys on every master: ${sizes.join(", ")}`);
  } finally {
    await closeConnection(client);
  }
});

test("one order is confirmed with the bus and the stores on rediss+cluster://", async () => {
  await orderOverTls(["--bus", "redis", "--redis-url", cluster!.url], tlsEnv, [password]);
});

test("bazaar dlq reads the dead letters over TLS on the cluster too", async () => {
  await dlqListsOverTls(["--bus", "redis", "--redis-url", cluster!.url], tlsEnv);
});

test("a wrong password on the cluster URL stops the start with one line and exit 2", async () => {
  const wrong = cluster!.url.replace(`:${password}@`, `:not-${password}@`);
  const line = await refusedAtStart(
    ["--bus", "redis", "--redis-url", wrong],
    tlsEnv,
    /^bazaar: Cannot connect to the Redis cluster at rediss\+cluster:\/\/shop:\*\*\*@127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){5}: .*WRONGPASS/,
    [password],
  );
  assert.ok(!line.includes("not-"), "the wrong password is not shown either");
});

test("a CA that did not sign the nodes' certificates stops the start", async () => {
  await refusedAtStart(
    ["--bus", "redis", "--redis-url", cluster!.url],
    { REDIS_TLS_CA: certs!.paths.otherCa },
    /^bazaar: Cannot connect to the Redis cluster at rediss\+cluster:\/\/shop:\*\*\*@.*certificate/i,
    [password],
  );
});

test("nodes known by host name, with certificates naming no address, are checked against that name", async () => {
  // Three masters without replicas: what differs is how a node is named, not replication.
  const named = await RedisCluster.open({
    masters: 3,
    replicas: 0,
    tls: { certs: certs!, user: TLS_USER, password, hostname: "localhost" },
  });
  try {
    assert.match(named.url, /@localhost:\d+,localhost:\d+,localhost:\d+$/);
    await orderOverTls(["--bus", "redis", "--redis-url", named.url], tlsEnv, [password]);
  } finally {
    await named.close();
  }
});

// Last: every bus of the suite is closed by now.
test("the private cluster and certificates are removed", async () => {
  await cluster?.close();
  await certs?.close();
});
