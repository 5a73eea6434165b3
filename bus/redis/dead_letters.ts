/**
 * Dead letters in one stream per namespace (`bus:{<ns>}:dead`). An entry's
 * stream id is the dead letter's id; its fields say which group failed it,
 * the envelope (or the raw text when it never parsed), the last error, how
 * many attempts were made and when it died.
 *
 * @module
 */
import { type RedisClient, replicaWaitOf } from "../../lib/redis_client.ts";
import { writeReplicated } from "../../lib/redis_replicated.ts";
import { decodeEnvelope, encodeEnvelope } from "../envelope.ts";
import { BaseDeadLetters } from "../base.ts";
import type { DeadLetter, Envelope } from "../types.ts";
import type { RedisKeys } from "./keys.ts";
import { fieldValue, parseEntries, type StreamEntry } from "./replies.ts";

const STREAM_ID = /^\d+-\d+$/;
/** XRANGE page size while filtering by group. */
const PAGE = 500;

/**
 * Moves a letter to its group's direct stream and deletes it in one step, so
 * two concurrent replays cannot both send it. The group is re-checked because
 * the caller named the direct stream (KEYS[2]) from an earlier read.
 */
const REPLAY_SCRIPT = `
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return 0 end
local group, envelope
local fields = entry[2]
for i = 1, #fields, 2 do
  if fields[i] == 'group' then group = fields[i + 1] end
  if fields[i] == 'envelope' then envelope = fields[i + 1] end
end
if group ~= ARGV[2] or not envelope then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'e', envelope)
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
`;

/** Where a dead message came from, so burying it can also ack it there. */
export interface Origin {
  stream: string;
  group: string;
  id: string;
}

export class RedisDeadLetters extends BaseDeadLetters {
  constructor(
    private readonly commands: RedisClient,
    private readonly keys: RedisKeys,
    private readonly retention: number,
  ) {
    super();
  }

  /**
   * Stores the letter and acks the original in one MULTI: never both lost,
   * never both kept (which would dead-letter it twice).
   */
  async bury(letter: Omit<DeadLetter, "id">, origin: Origin): Promise<void> {
    const body = letter.envelope
      ? ["envelope", encodeEnvelope(letter.envelope)]
      : ["raw", letter.raw ?? ""];
    const results = await this.commands.multi()
      .xadd(
        this.keys.dead,
        "MAXLEN",
        "~",
        this.retention,
        "*",
        "group",
        letter.group,
        ...body,
        "error",
        letter.error,
        "attempts",
        String(letter.attempts),
        "at",
        letter.at,
      )
      .xack(origin.stream, origin.group, origin.id)
      .exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (!results || failure) throw failure ?? new Error("Dead-letter transaction was aborted");
  }

  async list(group?: string, limit = Infinity): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    let start = "-";
    while (letters.length < limit) {
      const page = parseEntries(
        await this.commands.xrange(this.keys.dead, start, "+", "COUNT", PAGE),
      );
      for (const entry of page) {
        const letter = toDeadLetter(entry);
        if (letter && (group === undefined || letter.group === group)) letters.push(letter);
        if (letters.length >= limit) break;
      }
      if (page.length < PAGE) break;
      start = `(${page[page.length - 1]!.id}`;
    }
    return letters;
  }

  async replay(id: string): Promise<boolean> {
    if (!STREAM_ID.test(id)) return false;
    const [entry] = parseEntries(await this.commands.xrange(this.keys.dead, id, id));
    const letter = entry ? toDeadLetter(entry) : null;
    if (!letter?.envelope) return false;
    const args = [this.keys.dead, this.keys.direct(letter.group), id, letter.group] as const;
    const retention = String(this.retention);
    // A replay is a publish (to the group's direct stream): with REDIS_WAIT_REPLICAS it
    // counts once replicas have it. Burying needs no wait: a lost one loses its ack
    // with it, and the message is delivered (and dead-lettered) again.
    const moved = replicaWaitOf(this.commands)
      ? (await writeReplicated(this.commands, (p) => p.eval(REPLAY_SCRIPT, 2, ...args, retention)))[
        0
      ]
      : await this.commands.eval(REPLAY_SCRIPT, 2, ...args, retention);
    return moved === 1;
  }
}

/** Null for entries that are not dead letters at all (written by something else). */
function toDeadLetter(entry: StreamEntry): DeadLetter | null {
  if (!entry.fields) return null;
  const field = (name: string) => fieldValue(entry.fields!, name);
  const group = field("group");
  if (group === null) return null;
  const encoded = field("envelope");
  let envelope: Envelope | null = null;
  if (encoded !== null) {
    try {
      envelope = decodeEnvelope(encoded);
    } catch {
      // Not written by this adapter; still listed, as raw text, but never replayed.
    }
  }
  return {
    id: entry.id,
    group,
    envelope,
    raw: envelope ? null : (field("raw") ?? encoded),
    error: field("error") ?? "",
    attempts: Number(field("attempts") ?? 0),
    at: field("at") ?? "",
  };
}
