/**
 * JetStream publishes pipelined on one reply subscription.
 *
 * nats.js's `js.publish` is one request per message: a reply subject of the
 * connection's mux, a timer armed and cleared, a generator stepped through
 * its awaits, and a `Cancelled` error built (stack and all) after every
 * answer. In the bus benchmark that was half the client's CPU. Here every
 * publish is a plain `PUB` with a reply subject under this publisher's own
 * inbox and a `Nats-Msg-Id` header (the server's dedupe), any number of them
 * in flight; one wildcard subscription takes the acks, and one timer, armed
 * for the oldest publish still unanswered, fails what waited too long.
 *
 * What the caller sees is what `js.publish` gave: resolved once the stream
 * stored the message (or knew it as a duplicate), rejected with the server's
 * JetStream error (`api_error` set), `NoResponders` when no stream takes the
 * subject, `Timeout` after `timeoutMs`.
 *
 * @module
 */
import {
  type ApiError,
  createInbox,
  ErrorCode,
  headers,
  type Msg,
  type NatsConnection,
  NatsError,
  type Subscription,
} from "nats";
import type { Timer } from "../../lib/async/timer.ts";

/** JetStream's header naming a message for the stream's duplicate window. */
const MSG_ID_HEADER = "Nats-Msg-Id";
const NO_RESPONDERS = 503;

interface Waiting {
  resolve(): void;
  reject(error: Error): void;
  /** performance.now() after which it has timed out. */
  deadline: number;
}

const decoder = new TextDecoder();

/** The answer's verdict: null when the stream stored the message, else why not. */
function ackError(msg: Msg): NatsError | null {
  const data = msg.data;
  if (data.length === 0) {
    // A status without a body: 503 when no stream listens on the subject.
    const code = msg.headers?.code ?? 0;
    if (code === NO_RESPONDERS) return NatsError.errorForCode(ErrorCode.NoResponders);
    return new NatsError(msg.headers?.description || `status ${code}`, String(code));
  }
  // A PubAck is `{"stream":…,"seq":…}`; only an error answer carries "error".
  const text = decoder.decode(data);
  if (!text.includes('"error"')) return null;
  const answer = JSON.parse(text) as { error?: ApiError };
  if (!answer.error) return null;
  const error = new NatsError(answer.error.description, String(answer.error.code));
  error.api_error = answer.error;
  return error;
}

export class JetStreamPublisher {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix: string;
  readonly #subscription: Subscription;
  /** In publish order, so the first one is the oldest (all share one timeout). */
  readonly #waiting = new Map<string, Waiting>();
  #next = 0;
  #timer: Timer | undefined;
  #closed: Error | null = null;

  constructor(nc: NatsConnection, timeoutMs: number) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#prefix = `${createInbox()}.`;
    this.#subscription = nc.subscribe(`${this.#prefix}*`, {
      callback: (error, msg) => {
        if (error) this.close(error);
        else this.#answered(msg);
      },
    });
  }

  /** How many publishes wait for their ack. */
  get waiting(): number {
    return this.#waiting.size;
  }

  publish(subject: string, payload: string | Uint8Array, msgId: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    const token = (this.#next++).toString(36);
    const hdrs = headers();
    hdrs.set(MSG_ID_HEADER, msgId);
    return new Promise<void>((resolve, reject) => {
      try {
        this.#nc.publish(subject, payload, { reply: this.#prefix + token, headers: hdrs });
      } catch (error) {
        // A closed connection or a payload past the server's limit: nothing was sent.
        reject(error);
        return;
      }
      this.#waiting.set(token, {
        resolve,
        reject,
        deadline: performance.now() + this.#timeoutMs,
      });
      this.#timer ??= setTimeout(() => this.#expire(), this.#timeoutMs);
    });
  }

  /** Fails every publish still waiting with `reason`, and takes no more. */
  close(reason: Error = NatsError.errorForCode(ErrorCode.ConnectionClosed)): void {
    if (this.#closed) return;
    this.#closed = reason;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiting of this.#waiting.values()) waiting.reject(reason);
    this.#waiting.clear();
    if (!this.#nc.isClosed()) this.#subscription.unsubscribe();
  }

  #answered(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const waiting = this.#waiting.get(token);
    // Already timed out: the caller was told it failed (the msg-id dedupes a retry).
    if (!waiting) return;
    this.#waiting.delete(token);
    let error: Error | null;
    try {
      error = ackError(msg);
    } catch (cause) {
      error = new NatsError(`Unreadable JetStream ack: ${String(cause)}`, ErrorCode.BadJson);
    }
    if (error) waiting.reject(error);
    else waiting.resolve();
  }

  /** Fails what is past its deadline, then sleeps until the next oldest one's. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const [token, waiting] of this.#waiting) {
      if (waiting.deadline > now) {
        this.#timer = setTimeout(() => this.#expire(), waiting.deadline - now);
        return;
      }
      this.#waiting.delete(token);
      waiting.reject(NatsError.errorForCode(ErrorCode.Timeout));
    }
  }
}
