import { runSplitSuite } from "./split_cases.ts";

// Five processes on Redis Streams with Redis stores behind nginx; skipped (loudly) without
// REDIS_URL or nginx.
runSplitSuite("redis");
