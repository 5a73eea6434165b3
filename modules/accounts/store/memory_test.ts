import { memoryStoreHarness } from "../../../testing/store_suite.ts";
import { runAccountsStoreConformance } from "../../../testing/modules/accounts/store_conformance.ts";
import { MemoryAccountsStore } from "./memory.ts";

runAccountsStoreConformance(memoryStoreHarness(() => new MemoryAccountsStore()));
