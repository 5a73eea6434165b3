/**
 * The bus conformance suite on a private 3-node NATS JetStream cluster, every
 * stream and durable replicated on all three (R3), connected through a URL
 * that names every node. Skipped loudly without nats-server, failed with
 * REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import { runBusConformance } from "../../testing/bus/conformance.ts";
import { pinged, publishUntilTaken } from "../../testing/bus/conformance.ts";
import { SharedNatsCluster } from "../../testing/nats_cluster.ts";
import { waitFor } from "../../testing/wait.ts";
import { createEnvelope } from "../envelope.ts";
import { connectNats } from "./connection.ts";
import { NatsBus } from "./bus.ts";
import { natsNames } from "./names.ts";

const REPLICAS = 3;
const shared = new SharedNatsCluster(REPLICAS);
const available = shared.available;
const clusterUrl = () => shared.url();

runBusConformance({
  name: "nats cluster (R3)",
  available,
  create: async (source, namespace, config) =>
    await NatsBus.connect(await clusterUrl(), {
      source,
      namespace,
      replicas: REPLICAS,
      ...config,
    }),
  lacks: {
    keepsUntaken: "JetStream's limits drop the oldest messages whatever the durables have acked",
  },
  injectRaw: async (namespace, type, raw) => {
    const nc = await connectNats(await clusterUrl());
    await nc.jetstream().publish(natsNames(namespace).eventSubject(type), raw);
    await nc.close();
  },
});

Deno.test({
  name: "nats cluster (R3) bus: its streams are kept on all three servers",
  ignore: !available,
  fn: async () => {
    const names = natsNames(`r3${crypto.randomUUID().slice(0, 8)}`);
    const bus = await NatsBus.connect(await clusterUrl(), {
      source: "test",
      namespace: names.namespace,
      replicas: REPLICAS,
    });
    const nc = await connectNats(await clusterUrl());
    try {
      const jsm = await nc.jetstreamManager();
      for (const stream of [names.eventsStream, names.deadStream]) {
        const info = await jsm.streams.info(stream);
        assert.equal(info.config.num_replicas, REPLICAS, stream);
        // The leader and two replicas, each a different server of the cluster.
        const servers = [
          info.cluster?.leader,
          ...(info.cluster?.replicas ?? []).map((r) => r.name),
        ];
        assert.deepEqual(new Set(servers), new Set(["n1", "n2", "n3"]), stream);
      }
    } finally {
      await nc.close();
      await bus.close();
    }
  },
});

Deno.test({
  name:
    "nats cluster (R3) bus: kill -9 of the server it is connected to, then of the stream's leader: it reconnects and nothing is lost",
  ignore: !available,
  fn: async () => {
    const running = await shared.cluster();
    const names = natsNames(`fo${crypto.randomUUID().slice(0, 8)}`);
    const source = `failover-${crypto.randomUUID().slice(0, 8)}`;
    const bus = await NatsBus.connect(running.url, {
      source,
      namespace: names.namespace,
      replicas: REPLICAS,
    });
    const nc = await connectNats(running.url);
    const seen = new Set<number>();
    let retried = 0;
    let next = 0;
    const publish = async (count: number) => {
      for (const end = next + count; next < end; next++) {
        retried += await publishUntilTaken(bus, createEnvelope("test", pinged, { n: next }));
      }
    };
    try {
      await bus.subscribe("failover", [pinged], (envelope) => {
        seen.add((envelope.data as { n: number }).n);
      }, { ackDeadlineMs: 2_000 });
      await publish(100);

      const connectedTo = await waitFor(() => running.holding(`bazaar-${source}`));
      await connectedTo.stop("SIGKILL");
      await publish(100);
      const movedTo = await waitFor(() => running.holding(`bazaar-${source}`), {
        timeoutMs: 15_000,
        message: "the bus connected to another server",
      });
      assert.notEqual(movedTo.name, connectedTo.name);
      await connectedTo.start();

      const jsm = await nc.jetstreamManager();
      const leaderName = (await jsm.streams.info(names.eventsStream)).cluster?.leader;
      assert.ok(leaderName, "the events stream has a leader");
      await running.node(leaderName).stop("SIGKILL");
      await publish(100);
      await waitFor(() => seen.size === next, {
        timeoutMs: 60_000,
        message: `all ${next} messages handled`,
      });
      assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(next).keys()]);
      console.log(
        `${next} messages through two kill -9s (${connectedTo.name}, then leader ${leaderName}); ` +
          `${retried} publishes retried`,
      );
      await running.node(leaderName).start();
    } finally {
      await bus.close();
      await nc.close();
    }
  },
});

shared.closingTest("nats cluster (R3) bus");
