/**
 * A Redis crash mid-stream, across real processes: one process per module on
 * a private redis-server (AOF fsynced on every write), orders flowing over
 * HTTP, and Redis SIGKILLed and started again on the same port and files.
 * While it is down every process answers /ready with 503 and none dies;
 * afterwards every accepted order ends as planned, and the SPEC invariants
 * hold. Skipped loudly without redis-server, failed with REQUIRE_SERVICES=1.
 */
import { brokerCrashCase, runFleetCases } from "./fleet_cases.ts";

runFleetCases([brokerCrashCase("redis")]);
