import { memoryStoreHarness } from "../../../testing/store_suite.ts";
import { runMessagingStoreConformance } from "../../../testing/modules/messaging/store_conformance.ts";
import { MemoryMessagingStore } from "./memory.ts";

runMessagingStoreConformance(memoryStoreHarness(() => new MemoryMessagingStore()));
