import assert from "node:assert/strict";
import { runBusConformance } from "../../testing/bus/conformance.ts";
import { serviceUrl } from "../../testing/services.ts";
import { connectNats } from "./connection.ts";
import { NatsBus } from "./bus.ts";
import { deleteNamespace } from "../../testing/bus/nats_cleanup.ts";
import { natsNames } from "./names.ts";
import { BrokerConnectError } from "../connect_error.ts";

const url = serviceUrl("NATS_URL");
const namespaces = new Set<string>();

runBusConformance({
  name: "nats",
  available: url !== null,
  create: (source, namespace, config) => {
    namespaces.add(namespace);
    return NatsBus.connect(url!, { source, namespace, ...config });
  },
  lacks: {
    keepsUntaken: "JetStream's limits drop the oldest messages whatever the durables have acked",
  },
  injectRaw: async (namespace, type, raw) => {
    const nc = await connectNats(url!);
    await nc.jetstream().publish(natsNames(namespace).eventSubject(type), raw);
    await nc.close();
  },
});

Deno.test({
  name: "nats bus: replicas on a server that runs alone is a start-up error naming NATS_REPLICAS",
  ignore: url === null,
  fn: async () => {
    const namespace = `r3${crypto.randomUUID().slice(0, 8)}`;
    namespaces.add(namespace);
    await assert.rejects(
      NatsBus.connect(url!, { source: "test", namespace, replicas: 3 }),
      (error: Error) =>
        error instanceof BrokerConnectError &&
        /NATS_REPLICAS=3 needs a NATS cluster/.test(error.message),
    );
  },
});

Deno.test({
  name: "nats bus: the test namespaces are deleted",
  ignore: url === null,
  fn: async () => {
    for (const namespace of namespaces) await deleteNamespace(url!, namespace);
  },
});
