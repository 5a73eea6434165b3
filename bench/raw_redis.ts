/**
 * The ceiling for the Redis adapter: the same work done with bare ioredis —
 * auto-pipelined XADD, XREADGROUP of up to `inFlight` entries, one XACK per
 * batch — with no envelopes, validation, spans or retry bookkeeping.
 *
 * @module
 */
import { Redis } from "ioredis";
import { type BenchResult, publishWindowed, summarize } from "./_result.ts";

/** Unconfirmed XADDs at once, the same window bench/bus.ts gives the adapters. */
export const PUBLISH_WINDOW = 500;

export async function rawRedisBaseline(
  url: string,
  count: number,
  inFlight: number,
): Promise<BenchResult> {
  const key = `bench:raw:${crypto.randomUUID()}`;
  const commands = new Redis(url, { enableAutoPipelining: true, lazyConnect: true });
  const reader = new Redis(url, { lazyConnect: true });
  try {
    await Promise.all([commands.connect(), reader.connect()]);
    await commands.xgroup("CREATE", key, "g", "0", "MKSTREAM");
    const latencies = new Float64Array(count);
    const startedAt = performance.now();
    const consumed = consume(commands, reader, key, count, inFlight, latencies);
    await publishWindowed(
      count,
      PUBLISH_WINDOW,
      (n) => commands.xadd(key, "*", "e", JSON.stringify({ n, sentAt: performance.now() })),
    );
    const publishedAt = performance.now();
    await consumed;
    const ackedAt = performance.now();
    return summarize({ count, startedAt, publishedAt, ackedAt, latencies });
  } finally {
    await commands.del(key).catch(() => {});
    reader.disconnect();
    await commands.quit().catch(() => commands.disconnect());
  }
}

async function consume(
  commands: Redis,
  reader: Redis,
  key: string,
  count: number,
  inFlight: number,
  latencies: Float64Array,
): Promise<void> {
  const acks: Promise<unknown>[] = [];
  let handled = 0;
  while (handled < count) {
    const reply = await reader.xreadgroup(
      "GROUP",
      "g",
      "c",
      "COUNT",
      inFlight,
      "BLOCK",
      1_000,
      "STREAMS",
      key,
      ">",
    ) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      const { sentAt } = JSON.parse(fields[1]!) as { sentAt: number };
      latencies[handled++] = performance.now() - sentAt;
      ids.push(id);
    }
    if (ids.length > 0) acks.push(commands.xack(key, "g", ...ids));
  }
  await Promise.all(acks);
}
