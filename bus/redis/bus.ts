/**
 * The Redis Streams adapter. One stream per event type; a consumer group per
 * bus group, whose members compete for its messages; the group's pending list
 * is what makes delivery at-least-once (XAUTOCLAIM after the ack deadline).
 *
 * Keys, all under `bus:{<namespace>}:` — `stream:<type>` (events, trimmed to
 * about `retention`), `direct:<group>` (replays for one group), `dead` (dead
 * letters), `reads:<group>` (the streams a group reads, for backlog()).
 *
 * The same code runs on one server and on a Redis Cluster (a
 * `redis+cluster://` URL, or REDIS_CLUSTER=1): the namespace is the keys'
 * hash tag, so all of them live in one slot, and every script, MULTI and
 * pipeline of the bus stays on the master that serves it.
 *
 * @module
 */
import { type ClusterUrl, type RedisClient, requireReplicas } from "../../lib/redis_client.ts";
import { BaseBus, type Subscriber } from "../base.ts";
import type { Logger } from "../../lib/logger.ts";
import {
  adapterLogger,
  assertEventType,
  DEFAULT_COMMAND_TIMEOUT_MS,
  resolveRetention,
  type Retention,
} from "../defaults.ts";
import { encodeEnvelope } from "../envelope.ts";
import type { BusConfig } from "../config.ts";
import type { Backlog, Envelope, Subscription } from "../types.ts";
import { readBacklog } from "./backlog.ts";
import {
  boundedWaits,
  closeConnection,
  openConnection,
  openServerConnection,
  redactUrl,
} from "./connection.ts";
import { clusterUrlOf, nodeUrl } from "./cluster_connection.ts";
import { ReadConnection } from "./read_connection.ts";
import { READ_BLOCK_MS } from "./reader.ts";
import { RedisDeadLetters } from "./dead_letters.ts";
import { RedisKeys } from "./keys.ts";
import { StreamPublisher } from "./publisher.ts";
import { RedisSubscription } from "./subscription.ts";
import { withTimeout } from "../../lib/async/with_timeout.ts";

const PING_TIMEOUT_MS = 2_000;

/** Unique per subscription instance, and readable in XINFO CONSUMERS: host, process, random. */
function consumerName(): string {
  let host = "host";
  try {
    host = Deno.hostname();
  } catch {
    // No --allow-sys: the random part alone keeps it unique.
  }
  return `${host}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
}

export class RedisBus extends BaseBus {
  readonly kind = "redis";
  readonly deadLetters: RedisDeadLetters;
  readonly #url: string;
  readonly #commands: RedisClient;
  readonly #keys: RedisKeys;
  readonly #retention: Retention;
  readonly #publisher: StreamPublisher;
  readonly #log: Logger;
  #commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS;
  /** The cluster the URL names (its nodes' URLs for the readers), or null for one server. */
  #cluster: ClusterUrl | null = null;

  private constructor(
    url: string,
    config: BusConfig,
    commands: RedisClient,
    retention: Retention,
    log: Logger,
  ) {
    super(config.source);
    this.#url = url;
    this.#log = log;
    this.#commands = commands;
    this.#keys = new RedisKeys(config.namespace);
    this.#retention = retention;
    this.#publisher = new StreamPublisher(commands, this.#retention, log);
    this.deadLetters = new RedisDeadLetters(commands, this.#keys, this.#retention.count);
  }

  /** Connects (and fails here when Redis is unreachable). */
  static async connect(url: string, config: BusConfig): Promise<RedisBus> {
    const keys = new RedisKeys(config.namespace);
    const retention = resolveRetention(config.retention, config.retentionMs);
    // Auto-pipelining sends every command issued in one tick as one write:
    // concurrent publishes and acks batch without the callers doing anything.
    const timeoutMs = config.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const log = adapterLogger("redis", config.log);
    const commands = await openConnection(url, `${keys.prefix}commands`, {
      enableAutoPipelining: true,
      ...boundedWaits(timeoutMs),
    }, log);
    if (config.waitReplicas) requireReplicas(commands, config.waitReplicas);
    const bus = new RedisBus(url, config, commands, retention, log);
    bus.#commandTimeoutMs = timeoutMs;
    bus.#cluster = clusterUrlOf(url);
    return bus;
  }

  // Not async: on the publish hot path, one promise fewer per message.
  protected send(envelope: Envelope): Promise<void> {
    return this.#publisher.add(this.#keys.stream(envelope.type), encodeEnvelope(envelope));
  }

  protected async open(
    { group, events, handler, options }: Subscriber,
  ): Promise<Subscription> {
    const consumer = consumerName();
    const streams = [
      ...new Set(events.map((event) => this.#keys.stream(event.type))),
      this.#keys.direct(group),
    ];
    // Its own connection: a blocking read would hold up every other command queued behind it.
    const name = `${this.#keys.prefix}${group}:${consumer}`;
    const readerOptions = {
      enableAutoPipelining: false,
      ...boundedWaits(this.#commandTimeoutMs, READ_BLOCK_MS),
    };
    const open = (url: string) =>
      openServerConnection(url, name, readerOptions, this.#log, "reader");
    // On a cluster: to the master serving the streams' slot (all of them share it).
    const cluster = this.#cluster;
    const reader = await ReadConnection.open(
      this.#commands,
      streams[0]!,
      () => open(this.#url),
      (host, port) => open(cluster ? nodeUrl(cluster, host, port) : this.#url),
    );
    try {
      return await RedisSubscription.start(group, events, handler, options, {
        commands: this.#commands,
        reader,
        deadLetters: this.deadLetters,
        streams,
        reads: this.#keys.reads(group),
        consumer,
        log: this.#log,
      });
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  /**
   * This bus's streams for Redis stores on the same server: their scripts XADD
   * each event (field `e`, the encoded envelope, as `send` does) straight into
   * the stream of its type, with the state change (lib/redis_outbox.ts).
   */
  readonly streams = {
    streamOf: (type: string): string => {
      let stream = this.#streamOf.get(type);
      if (stream === undefined) {
        assertEventType(type);
        this.#streamOf.set(type, stream = this.#keys.stream(type));
      }
      return stream;
    },
    appended: (stream: string): void => this.#publisher.appended(stream),
  };
  readonly #streamOf = new Map<string, string>();

  protected readBacklog(group: string): Promise<Backlog> {
    return readBacklog(this.#commands, this.#keys, group);
  }

  async ping(): Promise<void> {
    await withTimeout(
      this.#commands.ping(),
      PING_TIMEOUT_MS,
      `Redis at ${redactUrl(this.#url)} did not answer PING within ${PING_TIMEOUT_MS} ms`,
    );
  }

  protected async disconnect(): Promise<void> {
    this.#publisher.close();
    await closeConnection(this.#commands);
  }
}
