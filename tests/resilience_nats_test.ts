/**
 * A NATS crash mid-stream, across real processes: one process per module on
 * a private nats-server with JetStream (and a private Redis for the stores),
 * orders flowing over HTTP, and nats-server SIGKILLed and started again on
 * the same port and store directory. While it is down every process answers
 * /ready with 503 and none dies; afterwards every accepted order ends as
 * planned and the SPEC invariants hold. Skipped loudly without the binaries,
 * failed with REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import { brokersAvailable, NatsBroker, RedisBroker } from "../testing/brokers.ts";
import { Fleet } from "../testing/fleet.ts";
import { assertOutcomes, planOrders, runPlan, waitAllTerminal } from "../testing/load.ts";
import { Shop } from "../testing/shop.ts";
import { delay } from "../testing/wait.ts";

/** The outage lasts at least this long (and until every process has noticed it). */
const DOWN_MS = 1_000;

Deno.test({
  name: "a NATS crash and restart mid-stream loses, strands and double-charges nothing",
  ignore: !brokersAvailable("redis-server", "nats-server"),
  fn: async () => {
    const started = performance.now();
    const redis = await RedisBroker.open();
    const nats = await NatsBroker.open();
    let fleet: Fleet | null = null;
    try {
      fleet = await Fleet.start({
        bus: "nats",
        redisUrl: redis.url,
        natsUrl: nats.url,
        processes: [["inventory"], ["accounts"], ["orders"], ["messaging"]],
        env: {
          // A message whose ack died with the server comes back this soon.
          BUS_ACK_DEADLINE_MS: "2000",
          // Beyond the test: an order ends by its messages, never by a step timeout.
          SAGA_STEP_TIMEOUT_MS: "300000",
        },
      });
      const running = fleet;
      const shop = new Shop(running);
      const plan = await planOrders(shop, 60);
      const upAt = performance.now();

      const restart = async () => {
        const downAt = performance.now();
        await nats.stop("SIGKILL");
        await running.waitReady(503, 15_000);
        const noticedMs = Math.round(performance.now() - downAt);
        await delay(Math.max(0, DOWN_MS - noticedMs));
        await nats.start();
        const downMs = Math.round(performance.now() - downAt);
        await running.waitReady(200, 30_000);
        return { noticedMs, downMs, readyMs: Math.round(performance.now() - downAt) };
      };
      let outage: ReturnType<typeof restart> | null = null;
      const report = await runPlan(shop, plan, {
        onAccepted: (accepted) => {
          if (accepted === 20) outage = restart();
        },
      });
      assert.ok(outage, "the outage happened");
      const { noticedMs, downMs, readyMs } = await (outage as ReturnType<typeof restart>);
      await running.assertAlive();

      const settledMs = await waitAllTerminal(shop, plan, 45_000);
      const outcomes = await assertOutcomes(shop, plan);
      await shop.assertInvariants({ notifications: true });
      await running.assertAlive();
      assert.deepEqual(await running.readiness(), [200, 200, 200, 200]);
      const codes = await running.stop();
      assert.deepEqual(codes, [0, 0, 0, 0], running.logs());

      console.log(
        `NATS down ${downMs} ms (every /ready 503 after ${noticedMs} ms, 200 again at ${readyMs} ms); ` +
          `${report.accepted} orders accepted in ${Math.round(performance.now() - upAt)} ms, ` +
          `${report.retried} attempts retried; ` +
          `all terminal ${settledMs} ms after the last; outcomes ${JSON.stringify(outcomes)}; ` +
          `${Math.round(performance.now() - started)} ms in all`,
      );
    } catch (error) {
      if (fleet) console.error(fleet.logs());
      console.error(`--- nats log:\n${nats.logTail()}`);
      throw error;
    } finally {
      await fleet?.stop();
      await nats.close();
      await redis.close();
    }
  },
});
