/**
 * The bus conformance suite on a private Redis Cluster (three masters, a
 * replica each), connected through a `redis+cluster://` URL naming every
 * node; then what only a cluster has: a publish confirmed by a replica
 * (REDIS_WAIT_REPLICAS) and a subscription that lives through a `kill -9` of
 * the master serving the bus's slot. One cluster for the file (it takes
 * seconds to form). Skipped loudly without redis-server, failed with
 * REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { runBusConformance } from "../../testing/bus/conformance.ts";
import { pinged, publishUntilTaken } from "../../testing/bus/conformance.ts";
import { NODE_TIMEOUT_MS, SharedRedisCluster } from "../../testing/redis_cluster.ts";
import { uniqueName } from "../../testing/services.ts";
import { delay, waitFor } from "../../testing/wait.ts";
import { ReplicasBehindError } from "../../lib/redis_client.ts";
import { createEnvelope } from "../envelope.ts";
import { RedisBus } from "./bus.ts";
import { RedisKeys } from "./keys.ts";
import { roundTrips } from "./round_trips.ts";

const shared = new SharedRedisCluster({ masters: 3, replicas: 1 });
const available = shared.available;
const label = "redis cluster";

runBusConformance({
  name: label,
  available,
  create: async (source, namespace, config) =>
    await RedisBus.connect(await shared.url(), { source, namespace, ...config }),
  injectRaw: async (namespace, type, raw) => {
    const client = (await shared.cluster()).client();
    try {
      await client.xadd(new RedisKeys(namespace).stream(type), "*", "e", raw);
    } finally {
      client.disconnect();
    }
  },
});

Deno.test({
  name: `${label} bus: round trips count on every node connection, the reader's included`,
  ignore: !available,
  fn: async () => {
    const bus = await RedisBus.connect(await shared.url(), {
      source: "test",
      namespace: uniqueName("trips"),
    });
    try {
      const before = roundTrips();
      const seen: number[] = [];
      await bus.subscribe("trips", [pinged], (envelope) => {
        seen.push((envelope.data as { n: number }).n);
      });
      await Promise.all([1, 2, 3].map((n) => bus.publish(pinged, { n })));
      await waitFor(() => seen.length === 3, { message: "three messages handled" });
      const after = roundTrips();
      assert.ok(after.bus > before.bus, "the Cluster client's writes");
      assert.ok(after.reader > before.reader, "the reader's, on the master");
    } finally {
      await bus.close();
    }
  },
});

/** A plain connection to a replica that answers reads of the slots it copies. */
async function replicaReader(port: number): Promise<Redis> {
  const redis = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  await redis.call("READONLY");
  return redis;
}

/** The replica's process id, from the replica itself (SIGSTOP needs it). */
async function pidOf(redis: Redis): Promise<number> {
  const pid = /process_id:(\d+)/.exec(await redis.info("server"))?.[1];
  assert.ok(pid, "INFO server names the process id");
  return Number(pid);
}

Deno.test({
  name: `${label} bus: with REDIS_WAIT_REPLICAS=1 a publish is on the replica once it resolves, ` +
    "and rejects while the replica is stopped",
  ignore: !available,
  fn: async () => {
    const cluster = await shared.cluster();
    const namespace = uniqueName("wait");
    const stream = new RedisKeys(namespace).stream(pinged.type);
    const master = await cluster.masterOf(stream);
    const replica = (await cluster.roles()).find((role) => role.masterId === master.id);
    assert.ok(replica, `the master on ${master.port} has a replica`);
    const bus = await RedisBus.connect(cluster.url, {
      source: "test",
      namespace,
      waitReplicas: { replicas: 1, timeoutMs: 300 },
    });
    const copy = await replicaReader(replica.port);
    try {
      for (let n = 0; n < 20; n++) {
        const envelope = createEnvelope("test", pinged, { n });
        await bus.publishEnvelope(envelope);
        // No waiting: WAIT 1 said the replica has it.
        const ids = (await copy.xrange(stream, "-", "+")).map(([, fields]) =>
          JSON.parse(fields[1]!).id
        );
        assert.ok(ids.includes(envelope.id), `publish ${n} is on the replica`);
      }

      const pid = await pidOf(copy);
      Deno.kill(pid, "SIGSTOP");
      try {
        await assert.rejects(
          bus.publish(pinged, { n: 20 }),
          (error) => error instanceof ReplicasBehindError && /0 of 1 replicas/.test(error.message),
        );
      } finally {
        Deno.kill(pid, "SIGCONT");
      }
      // Back within the node timeout: still the master's replica, confirming again.
      await bus.publish(pinged, { n: 21 });
    } finally {
      copy.disconnect();
      await bus.close();
    }
  },
});

// Last before the closing test: it leaves the cluster with one master fewer serving slots.
Deno.test({
  name: `${label} bus: kill -9 of the master serving the bus's slot: its replica takes over, ` +
    "the subscription reads on, and no publish WAIT 1 confirmed is lost",
  ignore: !available,
  fn: async () => {
    const cluster = await shared.cluster();
    const namespace = uniqueName("fo");
    const stream = new RedisKeys(namespace).stream(pinged.type);
    const victim = await cluster.masterOf(stream);
    const wait = { replicas: 1, timeoutMs: 500 };
    const bus = await RedisBus.connect(cluster.url, {
      source: "test",
      namespace,
      waitReplicas: wait,
    });
    const seen = new Set<number>();
    const confirmed: number[] = [];
    let unconfirmed = 0;
    let next = 0;
    let publishing = true;
    try {
      // A slow handler, so the crash finds confirmed messages not yet read or acked.
      await bus.subscribe("failover", [pinged], async (envelope) => {
        await delay(5);
        seen.add((envelope.data as { n: number }).n);
      }, { ackDeadlineMs: 2_000, maxInFlight: 1 });
      // Publishes go on through the crash; each either resolved (WAIT 1 confirmed) or not.
      const publisher = (async () => {
        while (publishing) {
          const n = next++;
          try {
            await bus.publishEnvelope(createEnvelope("test", pinged, { n }));
            confirmed.push(n);
          } catch {
            unconfirmed++;
            await delay(50);
          }
        }
      })();
      await waitFor(() => seen.size >= 50 && confirmed.length >= 150, {
        message: "50 messages handled and 150 confirmed before the crash",
      });
      await cluster.node(victim.port).stop("SIGKILL");
      const confirmedBefore = confirmed.length;
      const handledBefore = seen.size;
      publishing = false;
      await publisher;

      await cluster.waitUntilOk(NODE_TIMEOUT_MS * 10);
      const promoted = await cluster.masterOf(stream);
      assert.notEqual(promoted.port, victim.port, "the replica serves the slot now");
      // The promoted master has no replica of its own: nothing it takes can be confirmed.
      // (The client may first fail on its old slot map; it must never succeed.)
      const outcome = await waitFor(async () => {
        try {
          await bus.publishEnvelope(createEnvelope("test", pinged, { n: next++ }));
          return "confirmed";
        } catch (error) {
          return error instanceof ReplicasBehindError ? "refused" : null;
        }
      }, { message: "a publish the promoted master has no replica for" });
      assert.equal(outcome, "refused", "a publish no replica has is refused");
      // The old master comes back, as the new one's replica (its data is gone: a full sync).
      await cluster.node(victim.port).start();
      await cluster.waitUntilOk(NODE_TIMEOUT_MS * 10);

      const deadline = Date.now() + 30_000;
      let retried = 0;
      for (const after = next; next < after + 100; next++) {
        retried += await publishUntilTaken(
          bus,
          createEnvelope("test", pinged, { n: next }),
          deadline,
        );
        confirmed.push(next);
      }
      await waitFor(() => confirmed.every((n) => seen.has(n)), {
        timeoutMs: 30_000,
        message: "every confirmed publish handled",
      });
      console.log(
        `master on ${victim.port} killed, replica on ${promoted.port} took over: ` +
          `${confirmedBefore} publishes confirmed before (${handledBefore} handled then, ` +
          `none lost), ${unconfirmed} not; ` +
          `100 after the old master came back as a replica, ${retried} retried; ` +
          `${seen.size} distinct handled`,
      );
    } finally {
      publishing = false;
      await bus.close();
    }
  },
});

shared.closingTest(`${label} bus`);
