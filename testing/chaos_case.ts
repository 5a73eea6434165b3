/**
 * The CI-sized chaos run on one bus as a test (testing/chaos.ts does the work):
 * CHAOS_SEED=<n> replays a run; skipped loudly without the broker binaries.
 *
 * @module
 */
import { type BrokerBinary, brokersAvailable } from "./brokers.ts";
import { runChaos } from "./chaos.ts";

export function chaosTest(bus: "redis" | "nats"): void {
  const seed = Deno.env.get("CHAOS_SEED");
  const binaries: BrokerBinary[] = bus === "nats"
    ? ["redis-server", "nats-server"]
    : ["redis-server"];
  Deno.test({
    name:
      `chaos on ${bus}: kill -9, SIGSTOP, a broker restart and a link stall lose, strand and double-charge nothing`,
    ignore: !brokersAvailable(...binaries),
    fn: async () => {
      await runChaos({
        bus,
        orders: 300,
        seconds: 40,
        seed: seed === undefined ? undefined : Number(seed),
      });
    },
  });
}
