/**
 * A NATS cluster node lost under load, across real processes: five bazaar
 * processes on a private 3-node NATS JetStream cluster (every stream on all
 * three, NATS_URL naming each server) and a private Redis for the stores,
 * orders flowing over HTTP, and the server most processes are connected to
 * SIGKILLed and left down. The processes reconnect to the other two and stay
 * ready; every accepted order ends as planned and the SPEC invariants hold.
 * Skipped loudly without the binaries, failed with REQUIRE_SERVICES=1.
 */
import { natsNodeKillCase, runFleetCases } from "./fleet_cases.ts";

runFleetCases([natsNodeKillCase()]);
