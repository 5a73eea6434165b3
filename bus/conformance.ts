/**
 * The one conformance suite every bus adapter runs (Hono's `runTest` style):
 * each adapter's test file calls `runBusConformance` with a harness.
 *
 * @module
 */
import { ensureTraceContext } from "../testing/trace_context.ts";
import { deliveryCases } from "./conformance_delivery.ts";
import { failureCases } from "./conformance_failures.ts";
import type { BusHarness } from "./conformance_shared.ts";

export { type BusHarness, pinged, ponged, tagged } from "./conformance_shared.ts";

export function runBusConformance(harness: BusHarness): void {
  ensureTraceContext();
  const scale = harness.timeScale ?? 1;
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({
      name: `${harness.name} bus: ${name}`,
      ignore: !harness.available,
      fn,
    });

  deliveryCases(harness, test, scale);
  failureCases(harness, test, scale);
}
