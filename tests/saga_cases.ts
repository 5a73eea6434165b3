/**
 * The order saga end to end, over HTTP: one list of cases (tests/saga/, one
 * file per thing they prove) that runs on every in-process setup (memory;
 * Redis Streams + Redis stores; NATS + Redis stores) through
 * `runSagaCases`, and across real processes behind nginx through
 * tests/split_cases.ts.
 */
import { type Setup, setupAvailable, type SystemOptions, withSystem } from "../testing/system.ts";
import { CANCELLATION_CASES } from "./saga/cancellations.ts";
import type { SagaCase } from "./saga/case.ts";
import { CONCURRENCY_CASES } from "./saga/concurrency.ts";
import { OUTCOME_CASES } from "./saga/outcomes.ts";

export { type Hold, SAGA_FEE_BPS, type SagaCase } from "./saga/case.ts";

export const SAGA_CASES: SagaCase[] = [
  ...OUTCOME_CASES,
  ...CANCELLATION_CASES,
  ...CONCURRENCY_CASES,
];

/** The same setup on other brokers than the environment's (a private NATS cluster, say). */
export interface SagaBrokers {
  /** Names the tests: "saga on <label>: …". */
  label: string;
  available: boolean;
  /** Where each case's system connects, and the settings that go with it. */
  options(): Promise<Pick<SystemOptions, "natsUrl" | "redisUrl" | "settings" | "keep">>;
}

/** Every case on a fresh system in this process, one test each. */
export function runSagaCases(setup: Setup, brokers?: SagaBrokers): void {
  const available = brokers ? brokers.available && setupAvailable("redis") : setupAvailable(setup);
  for (const sagaCase of SAGA_CASES) {
    Deno.test({
      name: `saga on ${brokers?.label ?? setup}: ${sagaCase.name}`,
      ignore: !available,
      fn: async () => {
        const options = await brokers?.options() ?? {};
        await withSystem(setup, async (system, shop, gates) => {
          await sagaCase.run(shop, system, gates.hold);
          await shop.assertInvariants();
        }, { ...options, settings: { ...options.settings, feeBps: sagaCase.feeBps ?? 0 } });
      },
    });
  }
}
