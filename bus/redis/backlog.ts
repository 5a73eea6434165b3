/**
 * A group's backlog from Redis itself, so any process can ask about any
 * group: XINFO GROUPS on every stream the group reads, summed. Which streams
 * those are, createGroups() records when a subscription starts (a set per
 * group, `reads:<group>`).
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";
import type { Backlog } from "../types.ts";
import type { RedisKeys } from "./keys.ts";
import { parseGroupsInfo } from "./replies.ts";

/** Pending: the group's pending entries (PEL). Lag: Redis 7's count of entries not yet read. */
export async function readBacklog(
  commands: RedisClient,
  keys: RedisKeys,
  group: string,
): Promise<Backlog> {
  const streams = new Set([keys.direct(group), ...await commands.smembers(keys.reads(group))]);
  const lines = await Promise.all([...streams].map(async (stream) => {
    try {
      return parseGroupsInfo(await commands.xinfo("GROUPS", stream));
    } catch (error) {
      // The stream is gone (never written, or deleted): nothing is behind on it.
      if (error instanceof Error && /no such key/i.test(error.message)) return [];
      throw error;
    }
  }));
  const backlog = { pending: 0, lag: 0 };
  for (const line of lines.flat()) {
    if (line.name !== group) continue;
    backlog.pending += line.pending;
    backlog.lag += line.lag ?? 0;
  }
  return backlog;
}
