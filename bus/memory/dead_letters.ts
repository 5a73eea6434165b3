/**
 * The broker's dead-letter store: what a group gave up on, kept until it is
 * replayed, bounded like a log (the oldest letters go first).
 *
 * @module
 */
import type { DeadLetter, Envelope } from "../types.ts";

/** Sends an envelope back to one group of the log it was read from. */
export type Resend = (type: string, group: string, envelope: Envelope) => void;

interface Entry {
  letter: DeadLetter;
  /** The log the message came from, which raw text or a mislabelled envelope cannot tell. */
  type: string;
}

export class DeadLetterBox {
  /** Insertion order is death order, which list() returns. */
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly limit: number, private readonly resend: Resend) {}

  add(type: string, record: Omit<DeadLetter, "id">): void {
    // Random rather than counted, so an id never names a letter of a later broker.
    const id = crypto.randomUUID();
    // list() hands out the stored letters themselves; frozen, no caller can edit the store.
    const letter = deepFreeze({ id, ...record });
    this.#entries.set(id, { letter, type });
    if (this.#entries.size > this.limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  list(group?: string, limit = Infinity): DeadLetter[] {
    const letters: DeadLetter[] = [];
    for (const { letter } of this.#entries.values()) {
      if (letters.length >= limit) break;
      if (group === undefined || letter.group === group) letters.push(letter);
    }
    return letters;
  }

  replay(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry?.letter.envelope) return false;
    this.#entries.delete(id);
    this.resend(entry.type, entry.letter.group, entry.letter.envelope);
    return true;
  }
}

/** Freezes a JSON value and everything in it; returns it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
