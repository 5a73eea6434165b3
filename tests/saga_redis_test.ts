import { runSagaCases } from "./saga_cases.ts";

// Redis Streams bus with Redis stores; skipped (loudly) without REDIS_URL.
runSagaCases("redis");
