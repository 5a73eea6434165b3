/**
 * One saga case: a name, what it needs of the system it runs on, and a run
 * against a shop. tests/saga_cases.ts runs every case in this process;
 * tests/split_cases.ts runs them across real processes.
 */
import type { gatedBus } from "../../testing/gated_bus.ts";
import type { Shop, ShopTarget } from "../../testing/shop.ts";

/** Holds handlers of an event type back until the returned function is called. */
export type Hold = ReturnType<typeof gatedBus>["hold"];

export interface SagaCase {
  name: string;
  /**
   * Holds an event type back with a gated bus, to stop a saga at a known step:
   * only a system in the test's own process has a bus to wrap.
   */
  holdsEvents?: boolean;
  /** The FEE_BPS its amounts assume; a case without one passes with any fee. */
  feeBps?: number;
  run(shop: Shop, target: ShopTarget, hold: Hold): Promise<void>;
}

/** The fee of the case that checks the arithmetic; a split cluster runs with it. */
export const SAGA_FEE_BPS = 533;

export function sagaCase(
  name: string,
  run: SagaCase["run"],
  options: Omit<SagaCase, "name" | "run"> = {},
): SagaCase {
  return { name, run, ...options };
}
