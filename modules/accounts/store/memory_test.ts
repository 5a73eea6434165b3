import { memoryStoreHarness } from "../../../testing/store_suite.ts";
import { runAccountsStoreConformance } from "./conformance.ts";
import { MemoryAccountsStore } from "./memory.ts";

runAccountsStoreConformance(memoryStoreHarness(() => new MemoryAccountsStore()));
