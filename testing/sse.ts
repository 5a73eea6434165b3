/**
 * A small Server-Sent Events reader for tests: the events of a
 * `text/event-stream` response one at a time, the comments it carried, and
 * whether the server ended the stream.
 *
 * @module
 */

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  /** A read that outlived its timeout: the next read waits on it, so no chunk is lost. */
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  /** Comment lines seen so far (`: ping` heartbeats), without the colon. */
  readonly comments: string[] = [];
  /** True once the server closed the stream. */
  ended = false;

  constructor(response: Response) {
    if (!response.body) throw new Error("The response has no body to read events from");
    this.#reader = response.body.getReader();
  }

  /** The next event, or null when the stream ends first; throws past `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<SseEvent | null> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const event = this.#parseOne();
      if (event) return event;
      if (this.ended) return null;
      await this.#read(deadline - Date.now());
    }
  }

  /** Every event until the server ends the stream. */
  async rest(timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const events: SseEvent[] = [];
    while (true) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (!event) return events;
      events.push(event);
    }
  }

  /** Reads until a comment equal to `text` arrived; throws past `timeoutMs`. */
  async comment(text: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.comments.includes(text)) {
      if (this.#parseOne()) continue;
      if (this.ended) throw new Error(`The stream ended without the comment "${text}"`);
      await this.#read(deadline - Date.now());
    }
  }

  /** Goes away as a client would: the server sees its response body cancelled. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
    this.ended = true;
  }

  async #read(ms: number): Promise<void> {
    if (ms <= 0) throw new Error("No event arrived in time");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`No event arrived within ${ms} ms`)), ms);
    });
    try {
      this.#pending ??= this.#reader.read();
      const { done, value } = await Promise.race([this.#pending, timeout]);
      this.#pending = null;
      if (done) this.ended = true;
      else this.#buffer += this.#decoder.decode(value, { stream: true });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes one complete block off the buffer: an event, or null (comments are recorded). */
  #parseOne(): SseEvent | null {
    while (true) {
      const end = this.#buffer.indexOf("\n\n");
      if (end < 0) return null;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const event: SseEvent = { data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "id") event.id = value;
        else if (field === "event") event.event = value;
      }
      if (data.length === 0 && event.id === undefined && event.event === undefined) continue;
      event.data = data.join("\n");
      return event;
    }
  }
}
