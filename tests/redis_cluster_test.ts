/**
 * The Redis Cluster harness (testing/redis_cluster.ts) on this machine: six
 * private redis-server nodes, three masters with a replica each, and what a
 * master's crash does to writes. These are the ground the cluster deployment
 * stands on (issue 11): keys spread over every master through ioredis'
 * Cluster client, and a write that `WAIT 1` saw reach a replica survives a
 * `kill -9` of its master, whose replica takes over.
 *
 * Skipped loudly without redis-server, failed with REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { boundedWaits, closeConnection, openConnection } from "../bus/redis/connection.ts";
import { privateBrokerTest, redisCommand } from "../testing/brokers.ts";
import { NODE_TIMEOUT_MS, RedisCluster } from "../testing/redis_cluster.ts";
import { TcpProxy } from "../testing/tcp_proxy.ts";
import { delay, waitFor } from "../testing/wait.ts";

function clusterTest(
  name: string,
  fn: (cluster: RedisCluster) => Promise<void>,
  shape?: { masters: number; replicas: number },
): void {
  privateBrokerTest(name, "redis-server", () => RedisCluster.open(shape), fn);
}

clusterTest(
  "a private Redis Cluster: three masters, a replica each, keys on every master",
  async (cluster) => {
    const roles = await cluster.roles();
    const masters = roles.filter((role) => role.role === "master");
    const replicas = roles.filter((role) => role.role === "replica");
    assert.equal(masters.length, 3);
    assert.equal(replicas.length, 3);
    assert.deepEqual(
      new Set(replicas.map((replica) => replica.masterId)),
      new Set(masters.map((master) => master.id)),
      "each master has a replica of its own",
    );
    assert.ok(masters.every((master) => master.slots.length > 0), "every master serves slots");
    assert.ok(cluster.url.startsWith("redis+cluster://127.0.0.1:"));

    const client = cluster.client();
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => client.set(`key:${i}`, String(i))));
      const values = await Promise.all(
        Array.from({ length: 300 }, (_, i) => client.get(`key:${i}`)),
      );
      assert.deepEqual(values, Array.from({ length: 300 }, (_, i) => String(i)));
      const sizes = await Promise.all(
        client.nodes("master").map((node) => node.dbsize()),
      );
      assert.equal(sizes.reduce((a, b) => a + b, 0), 300);
      assert.ok(sizes.every((size) => size > 0), `keys on every master: ${sizes.join(", ")}`);
    } finally {
      client.disconnect();
    }
  },
);

// redis-cli --cluster create wants three masters: fewer are joined by hand (the bench's rows).
for (const shape of [{ masters: 1, replicas: 0 }, { masters: 2, replicas: 1 }]) {
  clusterTest(
    `a private Redis Cluster of ${shape.masters} master(s), ${shape.replicas} replica(s) each: every slot served`,
    async (cluster) => {
      const roles = await cluster.roles();
      const masters = roles.filter((role) => role.role === "master");
      const replicas = roles.filter((role) => role.role === "replica");
      assert.equal(masters.length, shape.masters);
      assert.equal(replicas.length, shape.masters * shape.replicas);
      assert.deepEqual(
        new Set(replicas.map((replica) => replica.masterId)),
        new Set(replicas.length > 0 ? masters.map((master) => master.id) : []),
        "each master has its replicas",
      );
      const served = masters.flatMap((master) => master.slots).map((range) => {
        const [from, to = from] = range.split("-").map(Number);
        return to! - from! + 1;
      });
      assert.equal(served.reduce((a, b) => a + b, 0), 16_384, "every slot has a master");

      const client = cluster.client();
      try {
        await Promise.all(Array.from({ length: 100 }, (_, i) => client.set(`key:${i}`, "x")));
        const sizes = await Promise.all(client.nodes("master").map((node) => node.dbsize()));
        assert.equal(sizes.reduce((a, b) => a + b, 0), 100);
        assert.ok(sizes.every((size) => size > 0), `keys on every master: ${sizes.join(", ")}`);
      } finally {
        client.disconnect();
      }
    },
    shape,
  );
}

clusterTest(
  "kill -9 of a master: its replica takes over, and what WAIT 1 acknowledged survives",
  async (cluster) => {
    const roles = await cluster.roles();
    const victim = roles.find((role) => role.role === "master")!;
    // A hash tag whose slot the victim serves, so every key below lives on it.
    const probe = new Redis(victim.port, "127.0.0.1");
    let tag = "";
    for (let n = 0; !tag; n++) {
      const slot = Number(await probe.cluster("KEYSLOT", `{t${n}}`));
      const served = victim.slots.some((range) => {
        const [from, to = from] = range.split("-").map(Number);
        return slot >= from! && slot <= to!;
      });
      if (served) tag = `{t${n}}`;
    }
    probe.disconnect();

    // Writes straight to the victim, each followed by WAIT 1 (reached one replica?).
    const writer = new Redis(victim.port, "127.0.0.1", {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    writer.on("error", () => {});
    const replicated: string[] = [];
    const unconfirmed: string[] = [];
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) {
        const key = `${tag}:${i}`;
        try {
          await writer.set(key, "1");
          const copies = Number(await writer.call("WAIT", "1", "100"));
          (copies >= 1 ? replicated : unconfirmed).push(key);
        } catch {
          return;
        }
      }
    })();
    // Until some writes are confirmed, not for a fixed time: on a loaded machine the first
    // WAITs may all time out.
    await waitFor(() => replicated.length >= 20, {
      timeoutMs: 30_000,
      message: "writes confirmed by WAIT 1 before the crash",
    });
    await cluster.node(victim.port).stop("SIGKILL");
    writing = false;
    await writes;
    writer.disconnect();

    await cluster.waitUntilOk(NODE_TIMEOUT_MS * 10);
    const after = await cluster.roles();
    const promoted = after.find((role) =>
      role.role === "master" && role.id !== victim.id &&
      role.slots.some((range) => victim.slots.includes(range))
    );
    assert.ok(promoted, "the victim's slots have a new master");
    assert.ok(replicated.length > 0, "writes were acknowledged before the crash");

    const client = cluster.client();
    try {
      const lostReplicated = (await Promise.all(replicated.map((key) => client.exists(key))))
        .filter((exists) => exists === 0).length;
      const lostUnconfirmed = (await Promise.all(unconfirmed.map((key) => client.exists(key))))
        .filter((exists) => exists === 0).length;
      console.log(
        `master on ${victim.port} killed: ${replicated.length} writes confirmed by WAIT 1, ` +
          `${lostReplicated} of them lost; ${unconfirmed.length} not confirmed, ${lostUnconfirmed} lost; ` +
          `replica on ${promoted!.port} took over`,
      );
      assert.equal(lostReplicated, 0, "a write a replica had is never lost by a failover");
      await client.set(`${tag}:after`, "1");
      assert.equal(await client.get(`${tag}:after`), "1", "the promoted master takes writes");
    } finally {
      client.disconnect();
    }
  },
);

clusterTest(
  "a master that stalls: a command to its slots fails within the timeout of being made, auto-pipelined or not",
  async (cluster) => {
    const key = "{stalled}:k";
    const master = await cluster.masterOf(key);
    const proxy = TcpProxy.start({ hostname: "127.0.0.1", port: master.port });
    try {
      // Clients reach that master through the proxy alone: it announces the proxy's port.
      await redisCommand(master.port, `CONFIG SET cluster-announce-port ${proxy.port}`);
      await waitFor(async () => {
        for (const node of cluster.nodes) {
          const slots = await redisCommand(node.port, "CLUSTER SLOTS");
          if (!slots.includes(String(proxy.port))) return false;
        }
        return true;
      }, { timeoutMs: 20_000, message: "every node names the proxy for the master" });
      const timeoutMs = 1_000;
      for (const enableAutoPipelining of [false, true]) {
        const redis = await openConnection(cluster.url, "stall-test", {
          enableAutoPipelining,
          ...boundedWaits(timeoutMs),
        });
        try {
          await redis.get(key);
          proxy.stall();
          // Others' commands keep a batch in flight, as a process's background work does.
          const background = setInterval(() => redis.get(key).catch(() => {}), 50);
          const took: number[] = [];
          try {
            const started = performance.now();
            while (performance.now() - started < 6 * timeoutMs) {
              const made = performance.now();
              await assert.rejects(redis.get(key));
              took.push(Math.round(performance.now() - made));
              await delay(150);
            }
          } finally {
            clearInterval(background);
          }
          const slowest = Math.max(...took);
          assert.ok(
            slowest < timeoutMs * 1.3,
            `auto-pipelining ${enableAutoPipelining}: a command failed ${slowest} ms after it was made`,
          );
        } finally {
          proxy.pass();
          await closeConnection(redis);
        }
      }
    } finally {
      await proxy.close();
    }
  },
  { masters: 3, replicas: 0 },
);
