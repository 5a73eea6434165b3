import { runOrderStoreConformance } from "./conformance.ts";
import { MemoryOrderStore } from "./memory.ts";

runOrderStoreConformance({
  name: "memory",
  available: true,
  open: () => Promise.resolve({ store: new MemoryOrderStore(), cleanup: () => Promise.resolve() }),
});
