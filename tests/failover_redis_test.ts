/**
 * A Redis Cluster master lost under load, across real processes: five bazaar
 * processes with bus and stores on a private Redis Cluster (three masters, a
 * replica each; REDIS_URL naming every node), orders flowing over HTTP.
 * - The master holding the orders' slot SIGKILLed (REDIS_WAIT_REPLICAS=1): its
 *   replica takes over; every accepted order ends as planned, the SPEC
 *   invariants hold.
 * - The same with that replica 1.5 s behind (SIGSTOPped, its link cut) when the
 *   master dies, without REDIS_WAIT_REPLICAS: the test measures (and requires)
 *   the loss — every order accepted in those 1.5 s is gone.
 * - And with REDIS_WAIT_REPLICAS=1: writes the replica never saw were refused
 *   (503s, handler retries that count no attempt while the cluster is down), so
 *   nothing acknowledged is lost, every order ends terminal, none is charged twice.
 * Skipped loudly without redis-server, failed with REQUIRE_SERVICES=1.
 */
import { redisLaggedFailoverCase, redisMasterKillCase, runFleetCases } from "./fleet_cases.ts";

runFleetCases([redisMasterKillCase(), redisLaggedFailoverCase(0), redisLaggedFailoverCase(1)]);
