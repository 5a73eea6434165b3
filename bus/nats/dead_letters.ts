/**
 * Dead letters on JetStream: one message per letter in the namespace's dead
 * stream, on `<ns>.dead.<group>`; a letter's id is its stream sequence.
 *
 * @module
 */
import {
  ErrorCode,
  type JetStreamClient,
  type JetStreamManager,
  type MsgRequest,
  type NatsError,
  type StoredMsg,
} from "nats";
import { delay } from "../../lib/async/delay.ts";
import type { Logger } from "../../lib/logger.ts";
import { assertGroupName } from "../defaults.ts";
import { encodeEnvelope } from "../envelope.ts";
import { BaseDeadLetters } from "../base.ts";
import type { DeadLetter } from "../types.ts";
import type { NatsNames } from "./names.ts";
import { apiErrorCode } from "./streams.ts";

/** JetStream's error code for "no message found". */
const NO_MESSAGE_FOUND = 10037;
const STORE_ATTEMPTS = 3;

function isNotFound(error: unknown): boolean {
  return apiErrorCode(error) === NO_MESSAGE_FOUND;
}

function toDeadLetter(stored: StoredMsg, prefix: string): DeadLetter {
  const id = String(stored.seq);
  try {
    return { id, ...stored.json<Omit<DeadLetter, "id">>() };
  } catch {
    // Not written by this adapter; shown rather than hidden, never replayable.
    return {
      id,
      group: stored.subject.slice(prefix.length),
      envelope: null,
      raw: stored.string(),
      error: "Dead letter is not JSON",
      attempts: 0,
      at: stored.time.toISOString(),
    };
  }
}

export class NatsDeadLetters extends BaseDeadLetters {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: NatsNames;

  readonly #log: Logger;

  constructor(js: JetStreamClient, jsm: JetStreamManager, names: NatsNames, log: Logger) {
    super();
    this.#log = log;
    this.#js = js;
    this.#jsm = jsm;
    this.#names = names;
  }

  /** Stores one letter, retrying briefly; false when the broker would not take it. */
  async store(record: Omit<DeadLetter, "id">, msgId: string): Promise<boolean> {
    const subject = this.#names.deadSubject(record.group);
    for (let attempt = 1; attempt <= STORE_ATTEMPTS; attempt++) {
      try {
        await this.#js.publish(subject, JSON.stringify(record), { msgID: msgId });
        return true;
      } catch (error) {
        this.#log.warn(`Storing a dead letter for ${record.group} failed (attempt ${attempt})`, {
          error,
        });
        if ((error as NatsError).code === ErrorCode.ConnectionClosed) return false;
        if (attempt < STORE_ATTEMPTS) {
          await delay(200 * attempt);
        }
      }
    }
    return false;
  }

  async list(group?: string, limit = Infinity): Promise<DeadLetter[]> {
    if (group !== undefined) assertGroupName(group);
    const filter = group === undefined ? this.#names.deadSubjects : this.#names.deadSubject(group);
    const letters: DeadLetter[] = [];
    let seq = 1;
    while (letters.length < limit) {
      const stored = await this.#next(seq, filter);
      if (!stored) break;
      letters.push(toDeadLetter(stored, this.#names.deadSubject("")));
      seq = stored.seq + 1;
    }
    return letters;
  }

  async replay(id: string): Promise<boolean> {
    const seq = Number(id);
    if (!/^[1-9][0-9]*$/.test(id) || !Number.isSafeInteger(seq)) return false;
    let stored: StoredMsg;
    try {
      stored = await this.#jsm.streams.getMessage(this.#names.deadStream, { seq });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    const letter = toDeadLetter(stored, this.#names.deadSubject(""));
    if (!letter.envelope) return false;
    await this.#js.publish(
      this.#names.directSubject(letter.group, letter.envelope.type),
      encodeEnvelope(letter.envelope),
      // Not the envelope id: that one is still in the dedup window of the first publish.
      // Per letter, so a replay retried after a crash is sent once.
      { msgID: `replay:${this.#names.deadStream}:${seq}` },
    );
    try {
      await this.#jsm.streams.deleteMessage(this.#names.deadStream, seq, false);
    } catch (error) {
      // Someone replayed it at the same time; the dedup id kept it to one copy.
      if (isNotFound(error)) return false;
      throw error;
    }
    return true;
  }

  /** The first letter at or after `seq` on `filter`, or null. */
  async #next(seq: number, filter: string): Promise<StoredMsg | null> {
    // nats-server (2.9 too) takes next_by_subj on STREAM.MSG.GET; nats.js types only seq.
    const query = { seq, next_by_subj: filter } as unknown as MsgRequest;
    try {
      return await this.#jsm.streams.getMessage(this.#names.deadStream, query);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}
