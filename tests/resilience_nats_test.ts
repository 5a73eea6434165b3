/**
 * A NATS crash mid-stream, across real processes: one process per module on
 * a private nats-server with JetStream (and a private Redis for the stores),
 * orders flowing over HTTP, and nats-server SIGKILLed and started again on
 * the same port and store directory. While it is down every process answers
 * /ready with 503 and none dies; afterwards every accepted order ends as
 * planned and the SPEC invariants hold. Skipped loudly without the binaries,
 * failed with REQUIRE_SERVICES=1.
 */
import { brokerCrashCase, runFleetCases } from "./fleet_cases.ts";

runFleetCases([brokerCrashCase("nats")]);
