import { runMessagingStoreConformance } from "./conformance.ts";
import { MemoryMessagingStore } from "./memory.ts";

runMessagingStoreConformance({
  name: "memory",
  available: true,
  open: () =>
    Promise.resolve({ store: new MemoryMessagingStore(), close: () => Promise.resolve() }),
});
