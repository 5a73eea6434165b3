/**
 * A group's backlog from JetStream itself, so any process can ask about any
 * group: the info of every durable of the group (one per event type, one per
 * event type for replays), summed.
 *
 * @module
 */
import type { JetStreamManager } from "nats";
import type { Backlog } from "../types.ts";
import type { NatsNames } from "./names.ts";
import { apiErrorCode, STREAM_NOT_FOUND } from "./streams.ts";

/** Pending: delivered and not acked (num_ack_pending). Lag: not yet delivered (num_pending). */
export async function readBacklog(
  jsm: JetStreamManager,
  names: NatsNames,
  group: string,
): Promise<Backlog> {
  const prefix = names.durablePrefix(group);
  const backlog = { pending: 0, lag: 0 };
  try {
    for await (const info of jsm.consumers.list(names.eventsStream)) {
      if (!info.name.startsWith(prefix)) continue;
      backlog.pending += info.num_ack_pending;
      backlog.lag += info.num_pending;
    }
  } catch (error) {
    // No stream yet (nothing published or subscribed in the namespace): nobody is behind.
    if (apiErrorCode(error) !== STREAM_NOT_FOUND) throw error;
  }
  return backlog;
}
