/**
 * The brokers a benchmark runs against: REDIS_URL and NATS_URL as for the
 * tests, else the servers this machine runs locally.
 *
 * @module
 */
export const REDIS_URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
export const NATS_URL = Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222";
