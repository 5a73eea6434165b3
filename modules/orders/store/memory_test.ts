import { memoryStoreHarness } from "../../../testing/store_suite.ts";
import {
  runIdempotencyExpiryConformance,
  runOrderStoreConformance,
  SHORT_IDEMPOTENCY_TTL_MS,
} from "../../../testing/modules/orders/store_conformance.ts";
import { MemoryOrderStore } from "./memory.ts";

runOrderStoreConformance(memoryStoreHarness(() => new MemoryOrderStore()));
runIdempotencyExpiryConformance(
  memoryStoreHarness(() => new MemoryOrderStore(SHORT_IDEMPOTENCY_TTL_MS)),
);
