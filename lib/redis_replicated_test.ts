/**
 * REDIS_WAIT_REPLICAS for the stores' writes (writeReplicated, LuaScript.run):
 * on a private Redis Cluster a write is confirmed by the replica of the master
 * that ran it, and rejected with ReplicasBehindError while that replica is
 * stopped (SIGSTOP: connected, silent), and follows its slot to another
 * master (MOVED); on one server without replicas it is rejected, having been
 * written.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { keySlot } from "../testing/key_slot.ts";
import { keyspaceTest } from "../testing/redis.ts";
import type { NodeRole, RedisCluster } from "../testing/redis_cluster.ts";
import { RedisClusterStores } from "../testing/store_suite.ts";
import { waitFor } from "../testing/wait.ts";
import { ReplicasBehindError, requireReplicas } from "./redis_client.ts";
import { fenceKeyOf, writeReplicated } from "./redis_replicated.ts";
import { LuaScript } from "./redis_script.ts";

/** A source no server has cached yet, so its first run takes the NOSCRIPT path. */
function aCounterScript(): LuaScript {
  return new LuaScript(`-- ${crypto.randomUUID()}\nreturn redis.call('INCR', KEYS[1])`);
}

function serves(role: NodeRole, slot: number): boolean {
  return role.slots.some((range) => {
    const [from, to = from] = range.split("-").map(Number);
    return slot >= from! && slot <= to!;
  });
}

/** The master serving `key`'s slot and its replica. */
async function pairOf(cluster: RedisCluster, key: string) {
  const roles = await cluster.roles();
  const master = roles.find((role) => role.role === "master" && serves(role, keySlot(key)));
  const replica = roles.find((role) => role.role === "replica" && role.masterId === master?.id);
  assert.ok(master && replica, `a master and its replica serve ${key}`);
  return { master, replica };
}

/** One command to one node, on a connection of its own. */
async function onNode<T>(port: number, ask: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0 });
  try {
    return await ask(redis);
  } finally {
    redis.disconnect();
  }
}

/** Reads on a replica (READONLY first, or it answers MOVED). */
function onReplica<T>(port: number, read: (redis: Redis) => Promise<T>): Promise<T> {
  return onNode(port, async (redis) => {
    await redis.call("READONLY");
    return await read(redis);
  });
}

/** Stops the node's process (its connections stay open, it answers nothing) while `body` runs. */
async function whileStopped<T>(port: number, body: () => Promise<T>): Promise<T> {
  const info = await onNode(port, (redis) => redis.info("server"));
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  assert.ok(pid > 0, `the pid of the node on ${port}`);
  Deno.kill(pid, "SIGSTOP");
  try {
    return await body();
  } finally {
    Deno.kill(pid, "SIGCONT");
  }
}

/**
 * Hands an empty slot from its master to `to`, as a resharding does (IMPORTING, MIGRATING, then
 * NODE on both and on the others), and waits until every node names `to` its master.
 */
async function moveEmptySlot(cluster: RedisCluster, slot: number, from: NodeRole, to: NodeRole) {
  await onNode(to.port, (node) => node.cluster("SETSLOT", slot, "IMPORTING", from.id));
  await onNode(from.port, (node) => node.cluster("SETSLOT", slot, "MIGRATING", to.id));
  const masters = (await cluster.roles()).filter((role) => role.role === "master");
  for (const master of [to, from, ...masters.filter((m) => m.id !== to.id && m.id !== from.id)]) {
    await onNode(master.port, (node) => node.cluster("SETSLOT", slot, "NODE", to.id));
  }
  await waitFor(async () => {
    for (const node of cluster.nodes) {
      const slots = await onNode(node.port, (redis) => redis.cluster("SLOTS"));
      const range = slots.find(([first, last]) => slot >= first && slot <= last);
      if (range?.[2]?.[1] !== to.port) return false;
    }
    return true;
  }, {
    timeoutMs: 10_000,
    intervalMs: 50,
    message: `slot ${slot} served by ${to.port} everywhere`,
  });
}

const onCluster = new RedisClusterStores("replica waits on a private Redis Cluster");

onCluster.test("keySlot() agrees with CLUSTER KEYSLOT", async ({ redis, keyPrefix }) => {
  const keys = ["foo", `${keyPrefix}{orders}:order:ord_1`, "{}x", "a{b}{c}", "bus:{ns_1}:dead"];
  for (const key of keys) {
    assert.equal(keySlot(key), Number(await redis.cluster("KEYSLOT", key)), key);
  }
});

onCluster.test(
  "LuaScript.run() and writeReplicated() with a replica wait: the master's replica has the write",
  async ({ redis, keyPrefix }) => {
    const counter = `${keyPrefix}{orders}:counter`;
    const contact = `${keyPrefix}{orders}:contact`;
    const { replica } = await pairOf(onCluster.cluster, counter);
    requireReplicas(redis, { replicas: 1, timeoutMs: 5_000 });
    const script = aCounterScript();
    assert.equal(await script.run(redis, [counter], []), 1, "EVAL after NOSCRIPT, then WAIT");
    assert.equal(await script.run(redis, [counter], []), 2, "EVALSHA, then WAIT");
    await writeReplicated(redis, (pipeline) => pipeline.hset(contact, { name: "Ada" }));
    // Confirmed by WAIT: the replica has applied both, whatever it is asked next.
    const seen = await onReplica(
      replica.port,
      async (node) => [await node.get(counter), await node.hget(contact, "name")],
    );
    assert.deepEqual(seen, ["2", "Ada"]);
  },
);

onCluster.test(
  "with its replica stopped, a write waiting for one is refused, though the master has it",
  async ({ redis, keyPrefix, connect }) => {
    const counter = `${keyPrefix}{orders}:counter`;
    const { replica } = await pairOf(onCluster.cluster, counter);
    const unwaited = await connect();
    requireReplicas(redis, { replicas: 1, timeoutMs: 200 });
    const script = aCounterScript();
    assert.equal(await script.run(redis, [counter], []), 1);
    await whileStopped(replica.port, async () => {
      await assert.rejects(script.run(redis, [counter], []), ReplicasBehindError);
      await assert.rejects(
        writeReplicated(redis, (pipeline) => pipeline.incr(counter)),
        (error: unknown) =>
          error instanceof ReplicasBehindError && /reached 0 of 1 replicas/.test(error.message),
      );
      // Written on the master all the same (not counted as done); a client without a wait
      // is not held up.
      assert.equal(await script.run(unwaited, [counter], []), 4);
    });
  },
);

onCluster.test(
  "a script that writes nothing counts only once a replica has what it read (the fence)",
  async ({ redis, keyPrefix, connect }) => {
    const reserved = `${keyPrefix}{orders}:reserved`;
    const { replica } = await pairOf(onCluster.cluster, reserved);
    const other = await connect();
    requireReplicas(redis, { replicas: 1, timeoutMs: 200 });
    const read = new LuaScript(`-- ${crypto.randomUUID()}\nreturn redis.call('GET', KEYS[1])`);
    assert.equal(await read.run(redis, [reserved], []), null);
    await whileStopped(replica.port, async () => {
      // Another process's step, on the master only: what a retried step finds "already done".
      await other.set(reserved, "yes");
      await assert.rejects(read.run(redis, [reserved], []), ReplicasBehindError);
    });
    assert.equal(
      await read.run(redis, [reserved], []),
      "yes",
      "confirmed once the replica is back",
    );
    assert.equal(fenceKeyOf(reserved), `${keyPrefix}{orders}:fence`);
    assert.equal(keySlot(fenceKeyOf(reserved)!), keySlot(reserved));
  },
);

/** How many WAITs the node has run. */
async function waitsRun(port: number): Promise<number> {
  const stats = await onNode(port, (redis) => redis.info("commandstats"));
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

onCluster.test(
  "writes made together share one fence and one WAIT (a group commit), each with its own reply",
  async ({ redis, keyPrefix }) => {
    const counter = `${keyPrefix}{orders}:together`;
    const { master, replica } = await pairOf(onCluster.cluster, counter);
    requireReplicas(redis, { replicas: 1, timeoutMs: 5_000 });
    const script = aCounterScript();
    const failing = new LuaScript(`return redis.error_reply('BOOM ${crypto.randomUUID()}')`);
    assert.equal(await script.run(redis, [counter], []), 1, "loaded (NOSCRIPT) on its own");
    await failing.run(redis, [counter], []).catch(() => {});
    const before = await waitsRun(master.port);
    const runs = Array.from({ length: 20 }, () => script.run(redis, [counter], []));
    const refused = failing.run(redis, [counter], []);
    await assert.rejects(refused, /BOOM/, "an error reaches its own caller alone");
    const replies = (await Promise.all(runs)) as number[];
    assert.deepEqual(replies.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 2));
    const waits = (await waitsRun(master.port)) - before;
    assert.ok(waits >= 1 && waits <= 2, `21 writes made together took ${waits} WAITs`);
    const copied = await onReplica(replica.port, (node) => node.get(counter));
    assert.equal(copied, "21", "one WAIT confirmed them all");
  },
);

onCluster.test(
  "a write waiting for a replica follows its slot to another master (MOVED), and waits there",
  async ({ redis, keyPrefix }) => {
    const tag = `{moved_${crypto.randomUUID()}}`;
    const counter = `${keyPrefix}${tag}:counter`;
    const { master: from } = await pairOf(onCluster.cluster, counter);
    const to = (await onCluster.cluster.roles()).find((role) =>
      role.role === "master" && role.id !== from.id
    )!;
    requireReplicas(redis, { replicas: 1, timeoutMs: 5_000 });
    await moveEmptySlot(onCluster.cluster, keySlot(counter), from, to);
    // The client still maps the slot to `from`, which answers MOVED and runs nothing.
    assert.equal(await aCounterScript().run(redis, [counter], []), 1);
    const { master, replica } = await pairOf(onCluster.cluster, counter);
    assert.equal(master.id, to.id);
    const copied = await onReplica(replica.port, (node) => node.get(counter));
    assert.equal(copied, "1", "the new master's replica confirmed it");
  },
);

keyspaceTest(
  "LuaScript.run() waiting for more replicas than the server has: refused, having written",
  async ({ redis, keyPrefix }) => {
    const replicas = Number(/connected_slaves:(\d+)/.exec(await redis.info("replication"))?.[1]);
    const counter = `${keyPrefix}counter`;
    requireReplicas(redis, { replicas: replicas + 1, timeoutMs: 50 });
    await assert.rejects(aCounterScript().run(redis, [counter], []), ReplicasBehindError);
    requireReplicas(redis, { replicas: 0, timeoutMs: 0 });
    assert.equal(await redis.get(counter), "1", "the master ran it");
  },
);
