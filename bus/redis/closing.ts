/**
 * How a Redis subscription ends: no more reads or sweeps, running handlers
 * get the grace to finish, then the last words with Redis (acks, dead
 * letters, hand-backs, forgetting the consumer), bounded so a close ends
 * during an outage too; whatever is left unsaid stays pending and is
 * redelivered after the ack deadline.
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";
import { settlesWithin } from "../../lib/async/settles_within.ts";
import type { Logger } from "../../lib/logger.ts";
import type { AckBatcher } from "./acks.ts";
import { forgetConsumer, type HandBack, handBack } from "./claims.ts";
import type { HeldMessages } from "./held.ts";
import type { StreamReader } from "./reader.ts";
import type { Sweeper } from "./sweeper.ts";

/** How long close() waits for Redis to take its acks and hand-backs. */
const FAREWELL_MS = 5_000;

/** What a closing subscription hands over: its parts, and two hooks into its state. */
export interface ClosingSubscription {
  group: string;
  consumer: string;
  streams: readonly string[];
  commands: RedisClient;
  held: HeldMessages;
  acks: AckBatcher;
  reader: StreamReader;
  sweeper: Sweeper;
  /** Dead-letter writes in flight. */
  writes: ReadonlySet<Promise<void>>;
  log: Logger;
  /** Resolves when a running handler next finishes. */
  nextIdle(): Promise<void>;
  /** Past the grace: outcomes of handlers still running are dropped, their messages left pending. */
  abandon(): void;
}

export async function closeSubscription(s: ClosingSubscription, graceMs: number): Promise<void> {
  // Messages backing off stay held as "waiting" and are handed back below.
  s.held.stopRetryTimers();
  const sweeping = s.sweeper.stop();
  await s.reader.stop();
  await drain(s, graceMs);
  s.abandon();
  if (!await settlesWithin(settleAccounts(s, sweeping), FAREWELL_MS)) {
    s.log.warn(`${s.group} closed: Redis did not answer within ${FAREWELL_MS} ms`);
    // Stops ack retries (and their timers); unacked messages are redelivered later.
    void s.acks.close();
  }
}

async function drain(s: ClosingSubscription, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (s.held.running > 0 && Date.now() < deadline) {
    await settlesWithin(s.nextIdle(), deadline - Date.now());
  }
}

async function settleAccounts(s: ClosingSubscription, sweeping: Promise<void>): Promise<void> {
  try {
    await sweeping;
    await s.acks.close();
    await Promise.all(s.writes);
    await giveBackUnstarted(s);
    await forgetConsumer(s.commands, s.streams, s.group, s.consumer);
  } catch (error) {
    s.log.warn(`${s.group} could not hand back its messages on close`, { error });
  }
}

async function giveBackUnstarted(s: ClosingSubscription): Promise<void> {
  const byStream = new Map<string, HandBack[]>();
  // Running ones are left alone: their handlers may yet finish the work.
  for (const held of s.held.releaseAll()) {
    // A queued delivery never ran, so its claim should not count as an attempt.
    const deliveries = held.state === "queued" ? held.attempt - 1 : held.attempt;
    const list = byStream.get(held.stream) ?? [];
    list.push({ id: held.id, deliveries });
    byStream.set(held.stream, list);
  }
  await Promise.all(
    [...byStream].map(([stream, list]) => handBack(s.commands, stream, s.group, s.consumer, list)),
  );
}
