import assert from "node:assert/strict";
import { pinged } from "../../testing/bus/conformance_shared.ts";
import { deleteNamespace } from "../../testing/bus/nats_cleanup.ts";
import { serviceUrl, uniqueName } from "../../testing/services.ts";
import { TcpProxy } from "../../testing/tcp_proxy.ts";
import { delay, waitFor } from "../../testing/wait.ts";
import { NatsBus } from "./bus.ts";

const url = serviceUrl("NATS_URL");

/** A pull lives this long (pullExpiresMs); nats.js checks it every half of that. */
const ACK_DEADLINE_MS = 2_000;
/** Each JetStream request of the subscriber fails after this long. */
const COMMAND_TIMEOUT_MS = 1_000;

/**
 * What the NATS chaos run met as notifications never sent (and orders left reserved): a
 * consume that nats.js no longer watches, after a reconnect while it backed off, waits
 * for ever once a later stall loses its pull (NatsSubscription.#renewAfterReconnect).
 */
Deno.test({
  name: "NatsSubscription pulls again after a stall lost its pull, past a reconnect during an " +
    "earlier stall",
  ignore: url === null,
  fn: async () => {
    const namespace = uniqueName("sb");
    const proxy = TcpProxy.forUrl(url!);
    // The subscriber reaches NATS through the proxy; the publisher straight.
    const subscriber = await NatsBus.connect(proxy.urlFor(url!), {
      source: "subscriber",
      namespace,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    const publisher = await NatsBus.connect(url!, { source: "publisher", namespace });
    const seen = new Set<number>();
    try {
      const subscription = await subscriber.subscribe(
        "g",
        [pinged],
        (envelope) => void seen.add((envelope.data as { n: number }).n),
        { ackDeadlineMs: ACK_DEADLINE_MS },
      );
      const handled = async (n: number) => {
        await publisher.publish(pinged, { n });
        await waitFor(() => seen.has(n), { timeoutMs: 30_000, message: `ping ${n} handled` });
      };
      await handled(1);

      // A stall long enough for nats.js to miss the pull's heartbeats, look at the durable,
      // time out and back off; the link then drops and comes back while it still backs off.
      proxy.stall();
      await delay(3 * ACK_DEADLINE_MS);
      proxy.cut();
      proxy.pass();
      await handled(2);

      // A stall that outlives the pull (its end and the next pull both dropped) but not
      // the connection: only the heartbeat check can tell the pull is gone.
      proxy.stall();
      await delay(1.75 * ACK_DEADLINE_MS);
      proxy.pass();
      await handled(3);
      assert.deepEqual([...seen].sort(), [1, 2, 3]);
      await subscription.close();
    } finally {
      await subscriber.close();
      await publisher.close();
      await proxy.close();
      await deleteNamespace(url!, namespace);
    }
  },
});
