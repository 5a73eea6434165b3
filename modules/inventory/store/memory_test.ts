import { memoryStoreHarness } from "../../../testing/store_suite.ts";
import { runStoreConformance } from "../../../testing/modules/inventory/store_conformance.ts";
import { MemoryInventoryStore } from "./memory.ts";

runStoreConformance(memoryStoreHarness(() => new MemoryInventoryStore()));
