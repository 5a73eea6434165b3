import { memoryStoreHarness } from "../../../testing/store_suite.ts";
import { runOrderStoreConformance } from "./conformance.ts";
import { MemoryOrderStore } from "./memory.ts";

runOrderStoreConformance(memoryStoreHarness(() => new MemoryOrderStore()));
