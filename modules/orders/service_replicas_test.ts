/**
 * The orders module under REDIS_WAIT_REPLICAS on a private Redis Cluster, the
 * replica of the master holding `{orders}` stopped (SIGSTOP: connected, silent,
 * behind): a write refused for want of it (ReplicasBehindError) is on the
 * master all the same, and a failover drops it. What another process reads of
 * that write must not go out as if it counted — a saga input answered "nothing
 * to do" (then acked: the input gone with the write, the order stranded), a
 * retried create answered as a replay, the write's events relayed.
 *
 * (Redis 7.0 records a client's replication offset after every command, so a
 * WAIT after a read alone covers what it read, and the replay case passes
 * there without the fence of a confirmed read; servers that record it only
 * after a command that wrote need the fence.)
 */
import assert from "node:assert/strict";
import type { Cluster } from "ioredis";
import { silentLogger } from "../../lib/logger.ts";
import { ReplicasBehindError, requireReplicas } from "../../lib/redis_client.ts";
import { testSettings } from "../../lib/settings.ts";
import { RedisClusterStores } from "../../testing/store_suite.ts";
import { OrderService } from "./service.ts";
import { RedisOrderStore } from "./store/redis.ts";

const ORDER = { customer_id: "cus_1", items: [{ product_id: "p1", quantity: 2 }] };
const lines = [{ product_id: "p1", quantity: 2, unit_price: 300 }];
const paid = { kind: "payment_succeeded", amount: 600 } as const;

const onCluster = new RedisClusterStores("orders with REDIS_WAIT_REPLICAS, its replica behind");

/** A replica that answers at all confirms within this, however loaded the machine. */
const CONFIRM_MS = 5_000;
/** While the replica is stopped no wait can succeed: the refusals need not take long. */
const REFUSE_MS = 200;

/** Two orders processes' services on one keyspace, each write waiting for one replica. */
function twoProcesses(clients: Cluster[], keyPrefix: string) {
  return clients.map((client) => {
    requireReplicas(client, { replicas: 1, timeoutMs: CONFIRM_MS });
    const store = new RedisOrderStore(client, keyPrefix);
    return { client, store, service: new OrderService(store, testSettings(), silentLogger) };
  });
}

/** Runs `body` with the replica of the master holding `{orders}` stopped. */
async function whileReplicaBehind(
  processes: { client: Cluster }[],
  body: () => Promise<void>,
): Promise<void> {
  const cluster = onCluster.cluster;
  const master = await cluster.masterOf("{orders}");
  const replica = (await cluster.roles()).find((role) => role.masterId === master.id);
  assert.ok(replica, "the orders' master has a replica");
  const waitFor = (timeoutMs: number) =>
    processes.forEach(({ client }) => requireReplicas(client, { replicas: 1, timeoutMs }));
  waitFor(REFUSE_MS);
  cluster.node(replica.port).signal("SIGSTOP");
  try {
    await body();
  } finally {
    cluster.node(replica.port).signal("SIGCONT");
    waitFor(CONFIRM_MS);
  }
}

onCluster.test(
  "apply() does not answer 'nothing to do' from a write refused for want of a replica",
  async ({ redis, keyPrefix, connect }) => {
    const [one, two] = twoProcesses([redis, await connect()], keyPrefix);
    const { order } = await one!.service.place(ORDER);
    await one!.service.apply(order.id, { kind: "stock_reserved", lines }, null);
    await whileReplicaBehind([one!, two!], async () => {
      await assert.rejects(one!.service.apply(order.id, paid, null), ReplicasBehindError);
      assert.equal((await two!.store.get(order.id))?.status, "paid", "the master has it");
      // The bus's retry in the other process: "order is paid" would rest on that write alone.
      await assert.rejects(two!.service.apply(order.id, paid, null), ReplicasBehindError);
    });
    // Once the replica has it, the write counts and the duplicate is one.
    assert.equal((await two!.service.apply(order.id, paid, null)).kind, "ignore");
  },
);

onCluster.test(
  "place() with an Idempotency-Key is not a replay of a create refused for want of a replica",
  async ({ redis, keyPrefix, connect }) => {
    const [one, two] = twoProcesses([redis, await connect()], keyPrefix);
    await whileReplicaBehind([one!, two!], async () => {
      await assert.rejects(one!.service.place(ORDER, "key-1"), ReplicasBehindError);
      // The client's retry, through the other process.
      await assert.rejects(two!.service.place(ORDER, "key-1"), ReplicasBehindError);
    });
    const replayed = await two!.service.place(ORDER, "key-1");
    assert.equal(replayed.replayed, true, "kept once the replica has it");
  },
);

onCluster.test(
  "the outbox relay does not take the events of a write refused for want of a replica",
  async ({ redis, keyPrefix, connect }) => {
    const [one, two] = twoProcesses([redis, await connect()], keyPrefix);
    // The other process relays, and has just renewed its lease.
    assert.deepEqual(await two!.store.outbox.peek(10), []);
    await whileReplicaBehind([one!, two!], async () => {
      await assert.rejects(one!.service.place(ORDER), ReplicasBehindError);
      await assert.rejects(two!.store.outbox.peek(10), ReplicasBehindError);
    });
    const entries = await two!.store.outbox.peek(10);
    assert.deepEqual(entries.map((entry) => entry.envelope.type), ["order.placed"]);
  },
);
