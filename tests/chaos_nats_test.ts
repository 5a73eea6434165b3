/**
 * The chaos run on NATS JetStream (testing/chaos.ts), CI-sized: 300 orders with
 * cancels, restocks and products deleted mid-flight, through kill -9 and
 * respawn, SIGSTOP past the ack deadline, a broker restart and a link stall.
 * Every order terminal and as planned, every SPEC invariant, one
 * notification per outcome, nothing charged twice. CHAOS_SEED=<n> replays a
 * run. Skipped loudly without the broker binaries, failed with REQUIRE_SERVICES=1.
 */
import { brokersAvailable } from "../testing/brokers.ts";
import { runChaos } from "../testing/chaos.ts";

const seed = Deno.env.get("CHAOS_SEED");

Deno.test({
  name:
    "chaos on nats: kill -9, SIGSTOP, a broker restart and a link stall lose, strand and double-charge nothing",
  ignore: !brokersAvailable("redis-server", "nats-server"),
  fn: async () => {
    await runChaos({
      bus: "nats",
      orders: 300,
      seconds: 40,
      seed: seed === undefined ? undefined : Number(seed),
    });
  },
});
