import { runAccountsStoreConformance } from "./conformance.ts";
import { MemoryAccountsStore } from "./memory.ts";

runAccountsStoreConformance({
  name: "memory",
  available: true,
  open: () => Promise.resolve({ store: new MemoryAccountsStore(), close: () => Promise.resolve() }),
});
