import { runBusConformance } from "../../testing/bus/conformance.ts";
import { MemoryBus } from "./bus.ts";
import { injectRaw } from "../../testing/bus/memory_inject.ts";

runBusConformance({
  name: "memory",
  available: true,
  create: (source, namespace, config) =>
    Promise.resolve(new MemoryBus("memory:", { source, namespace, ...config })),
  injectRaw: (namespace, type, raw) => Promise.resolve(injectRaw(namespace, type, raw)),
});
