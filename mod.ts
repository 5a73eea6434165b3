/**
 * bazaar: an event-driven commerce backend. Inventory, orders, accounts and
 * messaging, each with its own keyspace, talking only through a message bus
 * (memory, Redis Streams or NATS JetStream); any subset of them per process.
 *
 * Run it: `deno run -A mod.ts --help`.
 *
 * @module
 */
export { main } from "./app/main.ts";
export { startProcess } from "./app/process.ts";
export type { BazaarProcess, ProcessOptions } from "./app/process.ts";
export { createBus } from "./bus/factory.ts";
export type { Bus, Envelope, EventContract } from "./bus/types.ts";

if (import.meta.main) {
  const { main } = await import("./app/main.ts");
  await main(Deno.args);
}
