/**
 * The ceiling for the NATS adapter: the same work done with bare nats.js —
 * JetStream publishes with a window of outstanding acks, one durable pull
 * consumer with explicit acks — with no envelopes, validation, spans or
 * retry bookkeeping. Uses a throwaway stream that it deletes afterwards.
 *
 * @module
 */
import { AckPolicy, connect, DeliverPolicy, type JetStreamClient, StorageType } from "nats";
import { type BenchResult, publishWindowed, summarize } from "./_result.ts";
import { PUBLISH_WINDOW } from "./raw_redis.ts";

export async function rawNatsBaseline(
  url: string,
  count: number,
  inFlight: number,
): Promise<BenchResult> {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const stream = `RAWBENCH_${id}`;
  const subject = `rawbench.${id}`;
  // Without async traces, as the adapter connects: they cost each publish an Error.
  const nc = await connect({ servers: url.split(","), noAsyncTraces: true });
  const jsm = await nc.jetstreamManager();
  try {
    // File storage, like the adapter's streams, so the two rows compare.
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
    await jsm.consumers.add(stream, {
      durable_name: "bench",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // The server keeps at most `inFlight` delivered and unacknowledged.
      max_ack_pending: inFlight,
    });
    const js = nc.jetstream();
    const latencies = new Float64Array(count);
    const startedAt = performance.now();
    const consumed = consume(js, stream, count, inFlight, latencies);
    const encoder = new TextEncoder();
    // Timed the way bench/bus.ts times the bus (same window, same marks), so the two
    // numbers compare: alike on purpose, that one through the bus, this one on bare nats.js.
    await publishWindowed(
      count,
      PUBLISH_WINDOW,
      (n) => js.publish(subject, encoder.encode(JSON.stringify({ n, sentAt: performance.now() }))),
    );
    const publishedAt = performance.now();
    await consumed;
    // Acks are fire-and-forget; a flush round trip means the server has them all.
    await nc.flush();
    const ackedAt = performance.now();
    return summarize({ count, startedAt, publishedAt, ackedAt, latencies });
  } finally {
    await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  }
}

async function consume(
  js: JetStreamClient,
  stream: string,
  count: number,
  inFlight: number,
  latencies: Float64Array,
): Promise<void> {
  const consumer = await js.consumers.get(stream, "bench");
  const messages = await consumer.consume({ max_messages: inFlight });
  // Counted by message, so a redelivery cannot end the run early.
  const seen = new Uint8Array(count);
  let handled = 0;
  for await (const msg of messages) {
    const { n, sentAt } = msg.json<{ n: number; sentAt: number }>();
    msg.ack();
    if (seen[n]) continue;
    seen[n] = 1;
    latencies[handled++] = performance.now() - sentAt;
    if (handled === count) break;
  }
  messages.stop();
}
