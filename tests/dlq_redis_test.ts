import { runDlqCases } from "./dlq_cases.ts";

// Skipped (loudly) without REDIS_URL.
runDlqCases("redis");
