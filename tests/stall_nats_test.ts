/**
 * A NATS JetStream bus behind a link that stalls for 30 s mid-load, the stores
 * on Redis directly: see stall_cases.ts. Skipped loudly without REDIS_URL and
 * NATS_URL, failed with REQUIRE_SERVICES=1.
 */
import { stallCase } from "./stall_cases.ts";

Deno.test(stallCase("nats"));
