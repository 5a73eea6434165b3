/**
 * Processes stopped under load, across real processes on a private Redis:
 * one per module plus a second orders and a second inventory. A SIGTERMed
 * process stops taking work, finishes or hands back what it holds and exits 0
 * within 15 s; a SIGKILLed one leaves its messages pending and its outbox
 * lease to lapse, and the survivors take both over after BUS_ACK_DEADLINE_MS.
 * Either way every accepted order ends as planned and the SPEC invariants
 * hold. SIGTERM while Redis is down cannot finish anything: the process still
 * exits 0 in bounded time, and the others redo its work once Redis is back.
 * Skipped loudly without redis-server, failed with REQUIRE_SERVICES=1.
 */
import { runFleetCases, STOP_CASES } from "./fleet_cases.ts";

runFleetCases(STOP_CASES);
