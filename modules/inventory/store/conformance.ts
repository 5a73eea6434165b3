/**
 * The one conformance suite every inventory store runs (memory and Redis):
 * each store's test file calls `runStoreConformance` with a harness. The
 * cases live in `conformance_catalog.ts` and `conformance_reservations.ts`.
 *
 * @module
 */
import type { OpenedStore } from "./_conformance_helpers.ts";
import { catalogCases } from "./conformance_catalog.ts";
import { reservationCases } from "./conformance_reservations.ts";

export type { OpenedStore } from "./_conformance_helpers.ts";

export interface StoreHarness {
  name: string;
  /** False skips the suite (its server is not configured; the harness says so loudly). */
  available: boolean;
  /** A new, empty store. */
  open(): Promise<OpenedStore>;
}

export function runStoreConformance(harness: StoreHarness): void {
  for (const [name, body] of [...catalogCases, ...reservationCases]) {
    Deno.test({
      name: `${harness.name} store: ${name}`,
      ignore: !harness.available,
      fn: async () => {
        const opened = await harness.open();
        try {
          await body(opened);
        } finally {
          await opened.close();
        }
      },
    });
  }
}
