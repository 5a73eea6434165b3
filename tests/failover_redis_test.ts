/**
 * A Redis Cluster master lost under load, across real processes: five bazaar
 * processes with bus and stores on a private Redis Cluster (three masters, a
 * replica each; REDIS_URL naming every node), each write confirmed by a
 * replica (REDIS_WAIT_REPLICAS=1), orders flowing over HTTP, and the master
 * holding the orders' slot SIGKILLed and left down. Its replica takes over;
 * every accepted order ends as planned and the SPEC invariants hold.
 * Skipped loudly without redis-server, failed with REQUIRE_SERVICES=1.
 */
import { redisMasterKillCase, runFleetCases } from "./fleet_cases.ts";

runFleetCases([redisMasterKillCase()]);
