/**
 * An open-loop load generator: requests go out at a fixed rate whatever the
 * answers, and each latency counts from when its request was due, not from
 * when it was sent, so a slow server cannot hide queueing by slowing the
 * client down (coordinated omission).
 *
 * HTTP/1.1 over plain keep-alive sockets rather than fetch: fetch costs more
 * per request than the servers it measures (against a bare handler at
 * 1,000 requests/s its own p99 was over 100 ms on this machine), and the
 * client shares the machine's two cores with the server. A request due while
 * every socket is busy opens another one, so none waits for a free socket.
 *
 * @module
 */
import { delay } from "../lib/async/delay.ts";

export interface OpenLoopRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: () => string;
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than `okStatus`, and requests that failed outright. */
  failed: number;
}

/**
 * Sent at the same rate before the measured ones and not counted: the
 * sockets open (one per request in flight) and the server warms to the rate.
 */
const WARMUP_S = 1;
/** Sockets opened before the first request. */
const PREOPENED = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEADER_END = "\r\n\r\n";

/** One keep-alive connection: one request at a time, its answer read to the end. */
class Connection {
  #buffer = "";
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;

  private constructor(private readonly conn: Deno.TcpConn) {
    this.#reader = conn.readable.getReader();
  }

  static async open(hostname: string, port: number): Promise<Connection> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new Connection(conn);
  }

  /** Sends one request and resolves with the answer's status once its body is in. */
  async exchange(request: Uint8Array): Promise<number> {
    const writer = this.conn.writable.getWriter();
    try {
      await writer.write(request);
    } finally {
      writer.releaseLock();
    }
    while (true) {
      const end = this.#buffer.indexOf(HEADER_END);
      if (end >= 0) {
        const head = this.#buffer.slice(0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        const total = end + HEADER_END.length + length;
        if (this.#buffer.length >= total) {
          this.#buffer = this.#buffer.slice(total);
          return Number(head.slice(9, 12));
        }
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("The server closed the connection");
      // Bodies here are ASCII JSON, so string length is byte length.
      this.#buffer += decoder.decode(value);
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed by the server.
    }
  }
}

function requestBytes(host: string, request: OpenLoopRequest): Uint8Array {
  const body = request.body();
  const headers = Object.entries({
    host,
    "content-length": String(encoder.encode(body).length),
    ...request.headers,
  }).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return encoder.encode(`${request.method} ${request.path} HTTP/1.1\r\n${headers}\r\n${body}`);
}

/**
 * Sends `rate` requests a second for `seconds` to `url` (after WARMUP_S
 * uncounted); `okStatus` is the answer that counts as success, and
 * `timeline` gets each counted request's [due ms from the start, latency ms].
 */
export async function openLoop(
  url: string,
  request: OpenLoopRequest,
  rate: number,
  seconds: number,
  okStatus = 200,
  timeline?: [number, number][],
): Promise<OpenLoopResult> {
  const { hostname, port, host } = new URL(url);
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const take = async () => {
    const free = idle.pop();
    if (free) return free;
    const opened = await Connection.open(hostname, Number(port));
    all.push(opened);
    return opened;
  };
  // Opened before the first request: a burst of connects would be measured as the server's.
  for (let i = 0; i < PREOPENED; i++) {
    const opened = await Connection.open(hostname, Number(port));
    all.push(opened);
    idle.push(opened);
  }
  const total = Math.max(1, Math.floor(rate * seconds));
  const warmup = Math.floor(rate * WARMUP_S);
  const latencies: number[] = [];
  let failed = 0;
  const running: Promise<void>[] = [];
  // Counted requests are due from t0 on; the warm-up ones in the second before it.
  const t0 = performance.now() + 50 + WARMUP_S * 1_000;
  for (let i = -warmup; i < total; i++) {
    const due = t0 + (i * 1_000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await delay(wait);
    const counted = i >= 0;
    running.push((async () => {
      try {
        const connection = await take();
        const status = await connection.exchange(requestBytes(host, request));
        if (status !== okStatus && counted) failed++;
        idle.push(connection);
      } catch {
        if (counted) failed++;
      }
      if (!counted) return;
      latencies.push(performance.now() - due);
      timeline?.push([due - t0, performance.now() - due]);
    })());
  }
  await Promise.all(running);
  for (const connection of all) connection.close();
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
  return {
    rate,
    sent: total,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1)!,
    failed,
  };
}

if (import.meta.main) {
  // `deno run -A bench/_open_loop.ts <url> <rate> [seconds]`: the client alone, e.g. against bench/bare_server.ts.
  const [url, rate, seconds] = Deno.args;
  const result = await openLoop(
    url!,
    {
      method: "POST",
      path: new URL(url!).pathname,
      headers: { "content-type": "application/json" },
      body: () => '{"customer_id":"c","items":[{"product_id":"p","quantity":1}]}',
    },
    Number(rate),
    Number(seconds ?? 5),
  );
  console.log(result);
}
