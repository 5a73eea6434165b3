/**
 * Processes stopped under load, across real processes on a private Redis:
 * one per module plus a second orders and a second inventory. A SIGTERMed
 * process stops taking work, finishes or hands back what it holds and exits 0
 * within 15 s; a SIGKILLed one leaves its messages pending and its outbox
 * lease to lapse, and the survivors take both over after BUS_ACK_DEADLINE_MS.
 * Either way every accepted order ends as planned and the SPEC invariants
 * hold. SIGTERM while Redis is down cannot finish anything: the process still
 * exits 0 in bounded time, and the others redo its work once Redis is back.
 * Skipped loudly without redis-server, failed with REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import type { ModuleName } from "../lib/module.ts";
import { brokersAvailable, RedisBroker } from "../testing/brokers.ts";
import { Fleet } from "../testing/fleet.ts";
import { assertOutcomes, planOrders, runPlan, waitAllTerminal } from "../testing/load.ts";
import { Shop } from "../testing/shop.ts";
import { delay } from "../testing/wait.ts";

const PROCESSES: ModuleName[][] = [
  ["inventory"],
  ["inventory"],
  ["accounts"],
  ["orders"],
  ["orders"],
  ["messaging"],
];
/** SIGTERM to exit: the 10 s handler grace plus the goodbyes, with room to spare. */
const EXIT_WITHIN_MS = 15_000;
/**
 * With Redis down: the 10 s grace (nothing can finish, but Redis may come
 * back), a second more, then the cut connections fail what waits on them and
 * the bus gives up its goodbyes (5 s); about 18 s in all.
 */
const EXIT_IN_OUTAGE_WITHIN_MS = 25_000;

interface Victim {
  module: ModuleName;
  /** Stopped once this many orders have been accepted. */
  after: number;
}

async function stopUnderLoad(signal: "SIGTERM" | "SIGKILL", victims: Victim[]): Promise<void> {
  const started = performance.now();
  const redis = await RedisBroker.open();
  let fleet: Fleet | null = null;
  try {
    fleet = await Fleet.start({
      bus: "redis",
      redisUrl: redis.url,
      processes: PROCESSES,
      env: {
        BUS_ACK_DEADLINE_MS: "3000",
        // Beyond the test: an order ends by its messages, never by a step timeout.
        SAGA_STEP_TIMEOUT_MS: "300000",
      },
    });
    const running = fleet;
    const shop = new Shop(running);
    const plan = await planOrders(shop, 60);
    const stops: Promise<{ module: ModuleName; code: number; ms: number }>[] = [];
    const report = await runPlan(shop, plan, {
      onAccepted: (accepted) => {
        for (const victim of victims.filter((v) => v.after === accepted)) {
          // The last of its kind started: the first keeps serving.
          const member = running.serving(victim.module).at(-1)!;
          stops.push(running.terminate(member, signal).then((exit) => ({ ...exit, ...victim })));
        }
      },
    });
    const exits = await Promise.all(stops);
    assert.equal(exits.length, victims.length, "every victim was stopped");
    if (signal === "SIGTERM") {
      for (const exit of exits) {
        assert.equal(exit.code, 0, `${exit.module} exit code\n${running.logs()}`);
        assert.ok(exit.ms < EXIT_WITHIN_MS, `${exit.module} took ${exit.ms} ms to exit`);
      }
    }
    await running.assertAlive();

    const settledMs = await waitAllTerminal(shop, plan, 30_000);
    const outcomes = await assertOutcomes(shop, plan);
    await shop.assertInvariants({ notifications: true });
    await running.assertAlive();
    const codes = await running.stop();
    assert.deepEqual(codes, codes.map(() => 0), running.logs());
    console.log(
      `${signal}: ${exits.map((e) => `${e.module} exited ${e.code} in ${e.ms} ms`).join(", ")}; ` +
        `${report.accepted} orders accepted, ${report.retried} attempts retried; ` +
        `all terminal ${settledMs} ms after the last; outcomes ${JSON.stringify(outcomes)}; ` +
        `${Math.round(performance.now() - started)} ms in all`,
    );
  } catch (error) {
    if (fleet) console.error(fleet.logs());
    throw error;
  } finally {
    await fleet?.stop();
    await redis.close();
  }
}

const ignore = !brokersAvailable("redis-server");

Deno.test({
  name: "SIGTERM to an orders and an inventory process under load: exit 0, nothing left undone",
  ignore,
  fn: () =>
    stopUnderLoad("SIGTERM", [{ module: "orders", after: 15 }, { module: "inventory", after: 35 }]),
});

Deno.test({
  name: "SIGKILL of an orders and an inventory process under load: the survivors take over",
  ignore,
  fn: () =>
    stopUnderLoad("SIGKILL", [{ module: "orders", after: 15 }, { module: "inventory", after: 35 }]),
});

Deno.test({
  name: "SIGTERM while Redis is down: exit 0 in bounded time, the others finish its work",
  ignore,
  fn: async () => {
    const started = performance.now();
    const redis = await RedisBroker.open({ durable: true });
    let fleet: Fleet | null = null;
    try {
      fleet = await Fleet.start({
        bus: "redis",
        redisUrl: redis.url,
        processes: [["inventory"], ["accounts"], ["orders"], ["orders"], ["messaging"]],
        env: { BUS_ACK_DEADLINE_MS: "3000", SAGA_STEP_TIMEOUT_MS: "300000" },
      });
      const running = fleet;
      const shop = new Shop(running);
      const plan = await planOrders(shop, 30);
      const outage = async () => {
        await redis.stop("SIGKILL");
        await running.waitReady(503, 15_000);
        const exit = await running.terminate(running.serving("orders").at(-1)!);
        await delay(100);
        await redis.start();
        await running.waitReady(200, 30_000);
        return exit;
      };
      let exited: ReturnType<typeof outage> | null = null;
      const report = await runPlan(shop, plan, {
        onAccepted: (accepted) => {
          if (accepted === 10) exited = outage();
        },
      });
      assert.ok(exited, "the outage happened");
      const exit = await (exited as ReturnType<typeof outage>);
      assert.equal(exit.code, 0, `exit code\n${running.logs()}`);
      assert.ok(exit.ms < EXIT_IN_OUTAGE_WITHIN_MS, `took ${exit.ms} ms to exit`);
      await running.assertAlive();

      const settledMs = await waitAllTerminal(shop, plan, 30_000);
      const outcomes = await assertOutcomes(shop, plan);
      await shop.assertInvariants({ notifications: true });
      const codes = await running.stop();
      assert.deepEqual(codes, codes.map(() => 0), running.logs());
      console.log(
        `SIGTERM with Redis down: exited ${exit.code} in ${exit.ms} ms; ` +
          `${report.accepted} orders accepted, ${report.retried} attempts retried; ` +
          `all terminal ${settledMs} ms after the last; outcomes ${JSON.stringify(outcomes)}; ` +
          `${Math.round(performance.now() - started)} ms in all`,
      );
    } catch (error) {
      if (fleet) console.error(fleet.logs());
      throw error;
    } finally {
      await fleet?.stop();
      await redis.close();
    }
  },
});
