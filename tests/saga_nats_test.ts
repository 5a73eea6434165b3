import { runSagaCases } from "./saga_cases.ts";

// NATS JetStream bus with Redis stores; skipped (loudly) without NATS_URL and REDIS_URL.
runSagaCases("nats");
