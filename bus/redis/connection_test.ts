import assert from "node:assert/strict";
import { redisBrokerTest } from "../../testing/brokers.ts";
import { serviceUrl } from "../../testing/services.ts";
import { freePort } from "../../testing/spawn.ts";
import { TcpProxy } from "../../testing/tcp_proxy.ts";
import { delay, waitFor } from "../../testing/wait.ts";
import { boundedWaits, closeConnection, openConnection } from "./connection.ts";
import { settlesWithin } from "../../lib/async/settles_within.ts";
import { BrokerConnectError } from "../connect_error.ts";
import { setBrokerEnv } from "../tls_files.ts";

redisBrokerTest(
  "closeConnection() fails the commands waiting for a server that is away",
  async (broker) => {
    const redis = await openConnection(broker.url, "close-test", {});
    await broker.stop("SIGKILL");
    const waiting = redis.get("anything");
    await waitFor(() => redis.status === "reconnecting", { message: "ioredis reconnecting" });
    await closeConnection(redis);
    // Plain disconnect() left it pending for ever: whoever awaited it (a reader's stop) hung.
    assert.ok(await settlesWithin(waiting.catch(() => {}), 5_000), "the command settled");
    await assert.rejects(waiting, /Connection is closed/);
    await waitFor(() => redis.status === "end", { message: "connection ended" });
  },
);

Deno.test("openConnection() fails at once, in one line with the reason, when no cluster node answers", async () => {
  const url = `redis+cluster://user:secret@127.0.0.1:${freePort()},127.0.0.1:${freePort()}`;
  await assert.rejects(
    openConnection(url, "cluster-test", {}),
    (error) =>
      error instanceof BrokerConnectError &&
      /^Cannot connect to the Redis cluster at redis\+cluster:\/\/user:\*\*\*@.*: connect ECONNREFUSED/
        .test(error.message) &&
      !error.message.includes("secret") && !error.message.includes("\n"),
  );
});

Deno.test("openConnection() refuses a cluster URL whose node is not host:port", async () => {
  await assert.rejects(
    openConnection("redis+cluster://127.0.0.1:6379,cache:x", "cluster-test", {}),
    (error) =>
      error instanceof BrokerConnectError && /"cache:x" is not host:port/.test(error.message),
  );
});

Deno.test({
  name: "REDIS_CLUSTER=1 makes openConnection() take a plain URL as a cluster's seed node",
  ignore: serviceUrl("REDIS_URL") === null,
  fn: async () => {
    const url = serviceUrl("REDIS_URL")!;
    setBrokerEnv({ REDIS_CLUSTER: "1" });
    try {
      // The shared server is no cluster: the seed says so.
      await assert.rejects(
        openConnection(url, "cluster-test", {}),
        (error) =>
          error instanceof BrokerConnectError && /cluster support disabled/.test(error.message),
      );
    } finally {
      setBrokerEnv(null);
    }
    const redis = await openConnection(url, "cluster-test", {});
    assert.equal(redis.isCluster, false, "without it, the same URL names one server");
    await closeConnection(redis);
  },
});

redisBrokerTest(
  "with auto-pipelining on a stalled link, every command fails within its timeout of being made",
  async (broker) => {
    const timeoutMs = 1_000;
    const proxy = TcpProxy.forUrl(broker.url);
    const redis = await openConnection(
      proxy.urlFor(broker.url),
      "stall-test",
      { enableAutoPipelining: true, ...boundedWaits(timeoutMs) },
    );
    try {
      await redis.get("warm");
      proxy.stall();
      // Others' commands keep a batch in flight, as a process's background work does: ioredis
      // sends an auto-pipeline only once the one before it is answered, and armed a command's
      // timeout only then (a command failed up to ~2x its timeout after it was made, later in
      // the stall, as the reconnect back-off grows).
      const background = setInterval(() => redis.get("background").catch(() => {}), 50);
      const took: number[] = [];
      const started = performance.now();
      try {
        while (performance.now() - started < 10 * timeoutMs) {
          const made = performance.now();
          await assert.rejects(redis.get("stalled"));
          took.push(Math.round(performance.now() - made));
          await delay(150);
        }
      } finally {
        clearInterval(background);
      }
      const slowest = Math.max(...took);
      assert.ok(slowest < timeoutMs * 1.3, `a command failed ${slowest} ms after it was made`);
    } finally {
      proxy.pass();
      await closeConnection(redis);
      await proxy.close();
    }
  },
);
