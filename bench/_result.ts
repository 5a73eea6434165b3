/**
 * What every bus benchmark measures, and the arithmetic shared by them.
 *
 * @module
 */

export interface BenchResult {
  /** Messages published per second, from the first publish to the last confirmed one. */
  publishRate: number;
  /** Messages handled and acknowledged per second, from the first publish to the last ack. */
  e2eRate: number;
  /** Publish → handler latency percentiles. */
  p50Ms: number;
  p99Ms: number;
}

export interface BenchTimes {
  count: number;
  startedAt: number;
  publishedAt: number;
  ackedAt: number;
  /** Publish → handler latency of each message, in ms. */
  latencies: Float64Array;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function summarize(times: BenchTimes): BenchResult {
  const sorted = times.latencies.slice().sort();
  return {
    publishRate: times.count / ((times.publishedAt - times.startedAt) / 1_000),
    e2eRate: times.count / ((times.ackedAt - times.startedAt) / 1_000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/**
 * Runs `publish(n)` for n = 0 … count-1 with at most `window` unconfirmed at
 * once, as a busy service would, rather than one round trip per message.
 */
export async function publishWindowed(
  count: number,
  window: number,
  publish: (n: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await publish(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
}
