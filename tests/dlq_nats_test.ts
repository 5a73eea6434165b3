import { runDlqCases } from "./dlq_cases.ts";

// Skipped (loudly) without NATS_URL.
runDlqCases("nats");
