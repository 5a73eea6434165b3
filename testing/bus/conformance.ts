/**
 * The one conformance suite every bus adapter runs (Hono's `runTest` style):
 * each adapter's test file calls `runBusConformance` with a harness.
 *
 * @module
 */
import { ensureTraceContext } from "../trace_context.ts";
import { deliveryCases } from "./conformance_delivery.ts";
import { failureCases } from "./conformance_failures.ts";
import { retentionCases } from "./conformance_retention.ts";
import type { BusHarness, CaseSpec } from "./conformance_shared.ts";

export {
  type BusHarness,
  pinged,
  ponged,
  publishUntilTaken,
  tagged,
} from "./conformance_shared.ts";

export function runBusConformance(harness: BusHarness): void {
  ensureTraceContext();
  const scale = harness.timeScale ?? 1;
  const test = (spec: CaseSpec, fn: () => Promise<void>) => {
    const { name, lacks } = typeof spec === "string" ? { name: spec, lacks: undefined } : spec;
    const missing = lacks && harness.lacks?.[lacks];
    Deno.test({
      name: `${harness.name} bus: ${name}${missing ? ` (skipped: ${missing})` : ""}`,
      ignore: !harness.available || Boolean(missing),
      fn,
    });
  };

  deliveryCases(harness, test, scale);
  failureCases(harness, test, scale);
  retentionCases(harness, test, scale);
}
