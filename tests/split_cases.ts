/**
 * "One binary, any subset", proven across real processes: compose.yaml's
 * layout (one process per module, orders twice) behind a real nginx that
 * includes deploy/nginx/routes.conf, on Redis Streams or NATS JetStream with
 * Redis stores. The saga cases run through the gateway; then every order of
 * the cluster is checked for work done twice, and both orders processes for
 * having shared the saga's events between them. The checks live in
 * tests/split/ (routing, work done once, keys).
 *
 * One cluster per file, shared by the steps of one test: starting six
 * processes and nginx is most of the time this takes.
 */
import assert from "node:assert/strict";
import { RedisKeys } from "../bus/redis/keys.ts";
import {
  clusterAvailable,
  type ClusterBus,
  type ClusterOptions,
  startCluster,
} from "../testing/cluster.ts";
import { nginxAvailable } from "../testing/gateway.ts";
import { setupAvailable } from "../testing/system.ts";
import { Shop } from "../testing/shop.ts";
import { type Hold, SAGA_CASES, SAGA_FEE_BPS, type SagaCase } from "./saga_cases.ts";
import { assertKeysPrefixed, keysUnder } from "./split/keys.ts";
import { assertEventsSharedOnce, assertNothingTwice } from "./split/once.ts";
import { assertRouting } from "./split/routing.ts";

/** Why a case cannot run across processes, or null when it can. */
function skipReason(sagaCase: SagaCase): string | null {
  if (sagaCase.holdsEvents) {
    return "holds an event back with a gated bus, which only a system in the test's process has";
  }
  if (sagaCase.feeBps !== undefined && sagaCase.feeBps !== SAGA_FEE_BPS) {
    return `assumes FEE_BPS=${sagaCase.feeBps}, the cluster runs with ${SAGA_FEE_BPS}`;
  }
  return null;
}

const noHold: Hold = () => {
  throw new Error("Holding events needs a bus in the test's own process");
};

/** The same split on other brokers than the environment's (a private NATS or Redis Cluster, say). */
export interface SplitBrokers {
  /** Names the test: "split on <label>: …". */
  label: string;
  available: boolean;
  /** Where the processes connect, and the environment that goes with it. */
  options(): Promise<Pick<ClusterOptions, "natsUrl" | "redisUrl" | "env">>;
}

export function runSplitSuite(bus: ClusterBus, brokers?: SplitBrokers): void {
  const label = brokers?.label ?? bus;
  Deno.test({
    name: `split on ${label}: six processes behind nginx`,
    ignore: brokers
      ? !(brokers.available && setupAvailable("redis") && nginxAvailable())
      : !clusterAvailable(bus),
    async fn(t) {
      const started = performance.now();
      const options = await brokers?.options() ?? {};
      const cluster = await startCluster({
        bus,
        ...options,
        env: { ...options.env, FEE_BPS: String(SAGA_FEE_BPS) },
      });
      const startedMs = Math.round(performance.now() - started);
      let failed = false;
      const step = async (name: string, fn: () => Promise<void>) => {
        if (!await t.step(name, fn)) failed = true;
      };
      let summary = "";
      try {
        await step(
          "the gateway routes each module's paths to its processes only",
          () => assertRouting(cluster),
        );
        for (const sagaCase of SAGA_CASES) {
          const skip = skipReason(sagaCase);
          if (skip) {
            await t.step({
              name: `saga: ${sagaCase.name} (skipped: ${skip})`,
              ignore: true,
              fn() {},
            });
            continue;
          }
          await step(`saga: ${sagaCase.name}`, async () => {
            const shop = new Shop(cluster);
            await sagaCase.run(shop, cluster, noHold);
            await shop.assertInvariants({ notifications: true });
          });
        }
        await step(
          "no order went through a status twice, was charged twice or notified twice",
          () => assertNothingTwice(cluster),
        );
        await step(
          "both orders processes handled saga events, each published answer once",
          async () => {
            summary = await assertEventsSharedOnce(cluster);
          },
        );
        await step(
          "every process kept its store keys under the cluster's KEY_PREFIX",
          () => assertKeysPrefixed(cluster),
        );
      } finally {
        if (failed) console.error(cluster.logs());
        const stopped = await cluster.stop();
        for (const member of stopped) {
          assert.equal(member.code, 0, `${member.name} exits 0 on SIGTERM:\n${member.logs}`);
        }
      }
      assert.deepEqual(
        await keysUnder(
          cluster.redisUrl,
          cluster.keyPrefix,
          new RedisKeys(cluster.namespace).prefix,
        ),
        [],
        "the cluster's keys are deleted",
      );
      console.log(
        `split on ${label}: ${summary}; cluster up in ${startedMs} ms, ` +
          `${Math.round(performance.now() - started)} ms in all`,
      );
    },
  });
}
