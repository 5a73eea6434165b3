import { MemoryInventoryStore } from "./memory.ts";
import { runStoreConformance } from "./conformance.ts";

runStoreConformance({
  name: "memory",
  available: true,
  open: () => {
    const store = new MemoryInventoryStore();
    return Promise.resolve({ store, close: () => Promise.resolve() });
  },
});
