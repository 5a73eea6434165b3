/**
 * Batched publishing. Every publish issued in the same tick goes out as one
 * script call per stream that XADDs them all, instead of one XADD command
 * each: per message that saves most of what ioredis spends on a command
 * (its objects, promise and reply), which made publishing the costliest part
 * of a round trip through the bus. Each publish still resolves only once
 * Redis has its entry.
 *
 * @module
 */
import type { Redis, Result } from "ioredis";

declare module "ioredis" {
  interface RedisCommander<Context> {
    busXaddMany(stream: string, maxLen: number, ...payloads: string[]): Result<number, Context>;
  }
}

/** XADD with the same approximate trim as a single publish, once per payload. */
const XADD_MANY = `
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
end
return #ARGV - 1
`;

/** A script call blocks Redis while it runs; this many XADDs take about a millisecond. */
const MAX_BATCH = 1_000;

interface Pending {
  payload: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class StreamPublisher {
  #batches = new Map<string, Pending[]>();
  #scheduled = false;

  constructor(private readonly commands: Redis, private readonly retention: number) {
    commands.defineCommand("busXaddMany", { numberOfKeys: 1, lua: XADD_MANY });
  }

  /** Resolves once the entry is in `stream`. */
  add(stream: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const batch = this.#batches.get(stream);
      if (batch) batch.push({ payload, resolve, reject });
      else this.#batches.set(stream, [{ payload, resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        // A microtask runs after the other publishes already queued in this tick.
        queueMicrotask(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    for (const [stream, pending] of this.#batches) {
      for (let start = 0; start < pending.length; start += MAX_BATCH) {
        this.#send(stream, pending.slice(start, start + MAX_BATCH));
      }
    }
    this.#batches.clear();
  }

  #send(stream: string, batch: readonly Pending[]): void {
    this.commands.busXaddMany(stream, this.retention, ...batch.map((p) => p.payload)).then(
      () => {
        for (const pending of batch) pending.resolve();
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }
}
