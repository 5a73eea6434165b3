/**
 * The one conformance suite every inventory store runs (memory and Redis):
 * each store's test file calls `runStoreConformance` with a harness. The
 * cases live in `conformance_catalog.ts`, `conformance_discovery.ts`,
 * `conformance_saved.ts` and `conformance_reservations.ts`.
 *
 * @module
 */
import { storeCase, type StoreHarness } from "../../store_suite.ts";
import type { OpenedStore } from "./store_conformance_helpers.ts";
import { catalogCases } from "./store_conformance_catalog.ts";
import { discoveryCases } from "./store_conformance_discovery.ts";
import { reservationCases } from "./store_conformance_reservations.ts";
import { savedCases } from "./store_conformance_saved.ts";

export type { OpenedStore } from "./store_conformance_helpers.ts";

export function runStoreConformance(harness: StoreHarness<OpenedStore>): void {
  for (
    const [name, body] of [...catalogCases, ...discoveryCases, ...savedCases, ...reservationCases]
  ) {
    storeCase(harness, `${harness.name} store: ${name}`, body);
  }
}
