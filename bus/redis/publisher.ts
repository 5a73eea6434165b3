/**
 * Batched publishing. Every publish issued in the same tick goes out as one
 * script call per stream that XADDs them all, instead of one XADD command
 * each: per message that saves most of what ioredis spends on a command
 * (its objects, promise and reply), which made publishing the costliest part
 * of a round trip through the bus. Each publish still resolves only once
 * Redis has its entry — and, with REDIS_WAIT_REPLICAS (requireReplicas on the
 * commands connection), once that many replicas have it too.
 *
 * @module
 */
import type { Result } from "ioredis";
import { type RedisClient, replicaWaitOf } from "../../lib/redis_client.ts";
import { writeReplicated } from "../../lib/redis_replicated.ts";
import type { Retention } from "../defaults.ts";
import type { Logger } from "../../lib/logger.ts";
import type { Timer } from "../../lib/async/timer.ts";

declare module "ioredis" {
  interface RedisCommander<Context> {
    busXaddMany(stream: string, ...payloads: string[]): Result<number, Context>;
    busTrim(
      stream: string,
      count: number,
      ageCut: string,
      maxChunk: number,
    ): Result<number, Context>;
  }
}

const XADD_MANY = `
for i = 1, #ARGV do
  redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
return #ARGV
`;

/**
 * Trims a stream to its retention without ever passing what a group still
 * needs: only entries below every group's oldest pending entry, up to its
 * last-delivered one. Bounds: entries older than ARGV[2] (an id made of
 * a time) and, by count, at most ARGV[3] entries beyond ARGV[1] per call.
 * (XADD's MAXLEN would trim past a group that lags, losing its messages.)
 */
const TRIM = `
local function before(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local function after(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return ms .. '-' .. (tonumber(seq) + 1)
end
local length = redis.call('XLEN', KEYS[1])
if length == 0 then return 0 end
local cut = ARGV[2]
local excess = length - tonumber(ARGV[1])
if excess > 0 then
  local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT',
    math.min(excess, tonumber(ARGV[3])) + 1)
  local keep = entries[#entries][1]
  if before(cut, keep) then cut = keep end
end
for _, fields in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local group = {}
  for i = 1, #fields, 2 do group[fields[i]] = fields[i + 1] end
  local bound = after(group['last-delivered-id'])
  if group['pending'] > 0 then
    local oldest = redis.call('XPENDING', KEYS[1], group['name'])[2]
    if before(oldest, bound) then bound = oldest end
  end
  if before(bound, cut) then cut = bound end
end
return redis.call('XTRIM', KEYS[1], 'MINID', cut)
`;

/**
 * How often a stream that is being published to is trimmed: at most this often, and once
 * more this long after the last publish (so the last ones are trimmed too).
 */
const TRIM_INTERVAL_MS = 250;
/** Entries one trim may drop by count; the next one goes on (age trims are unbounded). */
const TRIM_CHUNK = 2_000;

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

  /** When each stream was last trimmed (performance.now()). */
  readonly #trimmedAt = new Map<string, number>();
  /** The trim due at the end of each stream's interval, for publishes since its last one. */
  readonly #trailing = new Map<string, Timer>();

  constructor(
    private readonly commands: RedisClient,
    private readonly retention: Retention,
    private readonly log: Logger,
  ) {
    commands.defineCommand("busXaddMany", { numberOfKeys: 1, lua: XADD_MANY });
    commands.defineCommand("busTrim", { numberOfKeys: 1, lua: TRIM });
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

  /** Something else (a store's script, on this server) appended to `stream`: trim it in due course. */
  appended(stream: string): void {
    this.#trimNowAndThen(stream);
  }

  #send(stream: string, batch: readonly Pending[]): void {
    const payloads = batch.map((p) => p.payload);
    // With a replica wait: the script and WAIT in one pipeline, on the node that
    // serves the stream (lib/redis_replicated.ts). The script goes as EVAL there:
    // after NOSCRIPT ioredis would send a defined command again outside the
    // pipeline, after the WAIT.
    const written = replicaWaitOf(this.commands)
      ? writeReplicated(this.commands, (p) => p.eval(XADD_MANY, 1, stream, ...payloads))
      : this.commands.busXaddMany(stream, ...payloads);
    written.then(
      () => {
        for (const pending of batch) pending.resolve();
        this.#trimNowAndThen(stream);
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }

  /** Stops the trims still due (the bus is closing). */
  close(): void {
    for (const timer of this.#trailing.values()) clearTimeout(timer);
    this.#trailing.clear();
  }

  /** Trims `stream` at most once per TRIM_INTERVAL_MS, behind the publishes (never in their way). */
  #trimNowAndThen(stream: string): void {
    const now = performance.now();
    const last = this.#trimmedAt.get(stream) ?? -Infinity;
    if (now - last < TRIM_INTERVAL_MS) {
      if (this.#trailing.has(stream)) return;
      const timer = setTimeout(() => {
        this.#trailing.delete(stream);
        this.#trimNowAndThen(stream);
      }, last + TRIM_INTERVAL_MS - now);
      // A trim never keeps a process alive.
      Deno.unrefTimer(timer as unknown as number);
      this.#trailing.set(stream, timer);
      return;
    }
    this.#trimmedAt.set(stream, now);
    const ageCut = `${Math.max(0, Date.now() - this.retention.ageMs)}-0`;
    this.commands.busTrim(stream, this.retention.count, ageCut, TRIM_CHUNK).catch((error) =>
      this.log.warn(`Trimming ${stream} failed`, { error })
    );
  }
}
