/**
 * A TCP proxy on the loopback interface between bazaar processes and Redis
 * or NATS, for playing faults that are not restarts: each connection it
 * accepts is paired with one to the target, and the proxy can
 * - `pass()`: copy bytes both ways (the default);
 * - `cut()`: close both sides of every connection, and close new ones at once
 *   (a broker that is gone: the clients see the socket end);
 * - `stall()`: a blackhole — sockets stay open, no reset, no FIN, and every
 *   byte is dropped in both directions, on new connections too (a link that
 *   stopped answering: only the clients' own timeouts can tell);
 * - `slow(ms)`: delay each chunk by `ms` in each direction.
 * A connection that lived through a stall lost bytes, so a client must not
 * trust it again; `pass()` after a stall leaves it open, as a healed link would.
 *
 * @module
 */

export type ProxyMode = "pass" | "cut" | "stall" | "slow";

export interface ProxyTarget {
  hostname: string;
  port: number;
}

const CHUNK_BYTES = 64 * 1024;

interface Pair {
  client: Deno.Conn;
  upstream: Deno.Conn | null;
  /** A side that ended while stalled: the other is closed when the stall ends. */
  halfClosed: boolean;
  closed: boolean;
}

export class TcpProxy {
  readonly #listener: Deno.TcpListener;
  readonly #pairs = new Set<Pair>();
  readonly #tasks = new Set<Promise<void>>();
  #mode: ProxyMode = "pass";
  #delayMs = 0;
  #closed = false;
  /** Bytes copied, and bytes dropped while stalled, over the proxy's life. */
  readonly bytes = { passed: 0, dropped: 0 };

  private constructor(readonly target: ProxyTarget, listener: Deno.TcpListener) {
    this.#listener = listener;
    this.#track(this.#accept());
  }

  /** Listens on a free loopback port and forwards to `target`. */
  static start(target: ProxyTarget): TcpProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new TcpProxy(target, listener);
  }

  /** The proxy in front of the server a URL names, e.g. `redis://127.0.0.1:6379`. */
  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    return TcpProxy.start({ hostname: parsed.hostname, port: Number(parsed.port) });
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.port);
    return parsed.toString().replace(/\/$/, "");
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Connections open now (accepted and not yet closed). */
  get connections(): number {
    return this.#pairs.size;
  }

  pass(): void {
    const wasStalled = this.#mode === "stall";
    this.#mode = "pass";
    if (!wasStalled) return;
    for (const pair of this.#pairs) if (pair.halfClosed) this.#closePair(pair);
  }

  cut(): void {
    this.#mode = "cut";
    for (const pair of this.#pairs) this.#closePair(pair);
  }

  stall(): void {
    this.#mode = "stall";
  }

  slow(delayMs: number): void {
    this.#mode = "slow";
    this.#delayMs = delayMs;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const pair of this.#pairs) this.#closePair(pair);
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let client: Deno.Conn;
      try {
        client = await this.#listener.accept();
      } catch {
        return; // the listener was closed
      }
      if (this.#mode === "cut") {
        client.close();
        continue;
      }
      this.#track(this.#open(client));
    }
  }

  async #open(client: Deno.Conn): Promise<void> {
    const pair: Pair = { client, upstream: null, halfClosed: false, closed: false };
    this.#pairs.add(pair);
    try {
      pair.upstream = await Deno.connect(this.target);
    } catch {
      this.#closePair(pair);
      return;
    }
    if (pair.closed) {
      pair.upstream.close();
      return;
    }
    await Promise.all([
      this.#pump(pair, client, pair.upstream),
      this.#pump(pair, pair.upstream, client),
    ]);
  }

  /** Copies (or drops, or delays) what `from` sends to `to` until either side ends. */
  async #pump(pair: Pair, from: Deno.Conn, to: Deno.Conn): Promise<void> {
    while (!pair.closed) {
      const buffer = new Uint8Array(CHUNK_BYTES);
      let read: number | null;
      try {
        read = await from.read(buffer);
      } catch {
        read = null;
      }
      if (pair.closed) return;
      if (read === null) {
        // A blackhole carries no FIN: the far side learns nothing until the stall ends.
        if (this.#mode === "stall") {
          pair.halfClosed = true;
          closeQuietly(from);
        } else {
          this.#closePair(pair);
        }
        return;
      }
      if (this.#mode === "stall") {
        this.bytes.dropped += read;
        continue;
      }
      if (this.#mode === "slow") await new Promise((r) => setTimeout(r, this.#delayMs));
      if (pair.closed) return;
      try {
        await writeAll(to, buffer.subarray(0, read));
        this.bytes.passed += read;
      } catch {
        this.#closePair(pair);
        return;
      }
    }
  }

  #closePair(pair: Pair): void {
    if (pair.closed) return;
    pair.closed = true;
    this.#pairs.delete(pair);
    closeQuietly(pair.client);
    if (pair.upstream) closeQuietly(pair.upstream);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
