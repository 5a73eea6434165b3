import { runSplitSuite } from "./split_cases.ts";

// Five processes on NATS JetStream with Redis stores behind nginx; skipped (loudly) without
// NATS_URL, REDIS_URL or nginx.
runSplitSuite("nats");
