/**
 * The chaos run on Redis Streams (testing/chaos.ts), CI-sized: 300 orders with
 * cancels, restocks and products deleted mid-flight, through kill -9 and
 * respawn, SIGSTOP past the ack deadline, a broker restart and a link stall.
 * Every order terminal and as planned, every SPEC invariant, one
 * notification per outcome, nothing charged twice. CHAOS_SEED=<n> replays a
 * run. Skipped loudly without the broker binaries, failed with REQUIRE_SERVICES=1.
 */
import { chaosTest } from "../testing/chaos_case.ts";

chaosTest("redis");
