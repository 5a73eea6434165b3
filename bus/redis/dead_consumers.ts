/**
 * Consumers left behind by processes that died without closing (SIGKILL, OOM,
 * power loss). A clean close deletes its own consumer; a killed one stays in
 * the group's consumer list for ever, so a crash-looping service would grow
 * XINFO CONSUMERS without bound. The sweep takes over a dead consumer's
 * messages after the ack deadline; once it holds none and has been idle far
 * longer than that, the sweep deletes it here.
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";

/**
 * A consumer idle this many ack deadlines has had every message taken over
 * many sweeps ago, so only a dead (or unbearably stuck) process looks like
 * this; deleting a live but quiet one is harmless anyway (see FORGET_SCRIPT).
 */
const DEAD_AFTER_ACK_DEADLINES = 10;
/**
 * At least a minute: a short ack deadline must not make the sweep churn the
 * consumers of members that simply have had nothing to read for a while.
 */
const MIN_DEAD_CONSUMER_IDLE_MS = 60_000;

/** How long a consumer holding nothing must have been idle before the sweep deletes it. */
export function deadConsumerIdleMs(ackDeadlineMs: number): number {
  return Math.max(DEAD_AFTER_ACK_DEADLINES * ackDeadlineMs, MIN_DEAD_CONSUMER_IDLE_MS);
}

/**
 * Lists the group's consumers and deletes those idle at least ARGV[3] ms with
 * nothing pending, all in one script: DELCONSUMER drops a consumer's pending
 * messages with it (they could never be claimed again), so the check and the
 * delete must not let a read or a claim in between. The sweeping consumer
 * (ARGV[2]) is never deleted.
 *
 * `idle` is the time since the last attempted read or claim (Redis ≥ 7.2) or
 * since the last successful one (older): before 7.2 a live member of a quiet
 * stream may qualify too. That costs nothing but its entry: it holds nothing,
 * and its next XREADGROUP (a blocked one included) creates it again.
 */
const FORGET_SCRIPT = `
local forgotten = {}
local min_idle = tonumber(ARGV[3])
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info.name ~= ARGV[2] and info.pending == 0 and info.idle >= min_idle then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info.name)
    forgotten[#forgotten + 1] = info.name
  end
end
return forgotten
`;

/** Deletes the dead consumers of `group` on `stream`, other than `self`; returns their names. */
export async function forgetDeadConsumers(
  commands: RedisClient,
  stream: string,
  group: string,
  self: string,
  minIdleMs: number,
): Promise<string[]> {
  const forgotten: unknown = await commands.eval(
    FORGET_SCRIPT,
    1,
    stream,
    group,
    self,
    String(minIdleMs),
  );
  if (!Array.isArray(forgotten) || !forgotten.every((name) => typeof name === "string")) {
    throw new TypeError(`Unexpected dead consumer reply from Redis: ${JSON.stringify(forgotten)}`);
  }
  return forgotten;
}
