/**
 * The NATS JetStream adapter.
 *
 * One events stream per namespace keeps every event type (and replays to one
 * group); each group reads each event type through its own durable pull
 * consumer (nats-server 2.9 filters a consumer on one subject only), which
 * competing members of the group share. Publishing sets `Nats-Msg-Id` to the
 * envelope id, so a re-publish within the stream's duplicate window is
 * dropped by the server.
 *
 * @module
 */
import {
  ErrorCode,
  type JetStreamManager,
  type NatsConnection,
  type NatsError,
  type QueuedIterator,
  type Status,
} from "nats";
import { BaseBus, type Subscriber } from "../base.ts";
import {
  adapterLogger,
  NATS_DEFAULT_RETENTION,
  resolveRetention,
  type Retention,
} from "../defaults.ts";

import { contractMap } from "../delivery.ts";
import { encodeEnvelope } from "../envelope.ts";
import type { BusConfig } from "../config.ts";
import type { Backlog, Envelope, Subscription } from "../types.ts";
import { withTimeout } from "../../lib/async/with_timeout.ts";
import type { Logger } from "../../lib/logger.ts";
import { readBacklog } from "./backlog.ts";
import { connectNats } from "./connection.ts";
import { NatsDeadLetters } from "./dead_letters.ts";
import { type NatsNames, natsNames } from "./names.ts";
import { JetStreamPublisher } from "./publisher.ts";
import { apiErrorCode, ensureDurable, ensureStreams } from "./streams.ts";
import { BrokerConnectError, reasonOf } from "../connect_error.ts";
import { redactUrl } from "../redact.ts";
import { Semaphore } from "../../lib/async/semaphore.ts";
import { NatsSubscription, type SubscriptionContext } from "./subscription.ts";

const PING_TIMEOUT_MS = 2_000;
const DRAIN_TIMEOUT_MS = 2_000;
/** nats.js's own default for a JetStream request, when no command timeout is set. */
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** How long creating a stream or durable may take (a cluster under load is slow to). */
const SETUP_TIMEOUT_MS = 10_000;
/** Durables a process creates at once. */
const CONCURRENT_CREATIONS = 4;

/** Logs disconnects and reconnects; nats.js itself does the reconnecting. */
function watchConnection(nc: NatsConnection, log: Logger): { stop(): Promise<void> } {
  // nats.js 2.x hands out a QueuedIterator here, and closing the connection does not end it.
  const status = nc.status() as QueuedIterator<Status>;
  const done = (async () => {
    for await (const { type, data } of status) {
      if (type === "disconnect" || type === "reconnect" || type === "error") {
        log.warn(`Connection ${type}: ${String(data)}`);
      }
    }
  })().catch((error) => log.warn("Watching the connection failed", { error }));
  return {
    stop: () => {
      status.stop();
      return done;
    },
  };
}

/** JetStream's error code for "replicas > 1 not supported in non-clustered mode". */
const REPLICAS_NEED_CLUSTER = 10074;

/**
 * A server that answers but will not keep the namespace's streams (as asked:
 * replicas on a lone server, say) is a start-up error like a refused
 * password: one line, exit 2. Anything else is left as it was.
 */
function refusedStreams(url: string, error: unknown, replicas: number): unknown {
  const code = apiErrorCode(error);
  if (code === undefined) return error;
  const hint = code === REPLICAS_NEED_CLUSTER
    ? ` (NATS_REPLICAS=${replicas} needs a NATS cluster; a single server keeps 1)`
    : "";
  return new BrokerConnectError(
    `NATS at ${redactUrl(url)} refused the bus's streams: ${reasonOf(error)}${hint}`,
  );
}

/** What a connected bus is made of (NatsBus.connect builds it). */
interface Parts {
  source: string;
  nc: NatsConnection;
  /** JetStream requests that a caller waits on: each fails within the command timeout. */
  jsm: JetStreamManager;
  /**
   * Creating streams and durables: may take longer than a request (a
   * cluster elects a raft group for each replicated one), so waits longer.
   */
  setup: JetStreamManager;
  names: NatsNames;
  retention: Retention;
  replicas: number;
  log: Logger;
  requestTimeoutMs: number;
}

export class NatsBus extends BaseBus {
  readonly kind = "nats";
  readonly deadLetters: NatsDeadLetters;
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #setup: JetStreamManager;
  readonly #publisher: JetStreamPublisher;
  readonly #names: NatsNames;
  readonly #retention: Retention;
  readonly #replicas: number;
  readonly #watcher: { stop(): Promise<void> };
  readonly #context: SubscriptionContext;
  readonly #log: Logger;

  private constructor(parts: Parts) {
    super(parts.source);
    const { nc, jsm, names, log } = parts;
    this.#log = log;
    this.#nc = nc;
    this.#jsm = jsm;
    this.#setup = parts.setup;
    this.#publisher = new JetStreamPublisher(nc, parts.requestTimeoutMs);
    this.#names = names;
    this.#retention = parts.retention;
    this.#replicas = parts.replicas;
    const js = jsm.jetstream();
    this.deadLetters = new NatsDeadLetters(js, jsm, names, log);
    this.#watcher = watchConnection(nc, log);
    // A few creations at a time: a cluster's meta leader takes them in turn, and a
    // request queued behind every durable of every process starting at once would time out.
    const creating = new Semaphore(CONCURRENT_CREATIONS);
    this.#context = {
      nc,
      js,
      ensureDurable: (spec) =>
        creating.run(() => ensureDurable(parts.setup, names.eventsStream, spec)),
      names,
      log,
      ensureStreams: () => this.#ensureStreams(),
      storeDeadLetter: (record, msgId) => this.deadLetters.store(record, msgId),
    };
  }

  /** Connects and creates (or updates) the namespace's streams. */
  static async connect(url: string, config: BusConfig): Promise<NatsBus> {
    const names = natsNames(config.namespace);
    const retention = resolveRetention(
      config.retention ?? NATS_DEFAULT_RETENTION,
      config.retentionMs,
    );
    const nc = await connectNats(url, { name: `bazaar-${config.source}` });
    try {
      // Every JetStream request (publish, consumer info) fails within the
      // command timeout when the server stops answering.
      const requestTimeoutMs = config.commandTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const jsm = await nc.jetstreamManager({ timeout: requestTimeoutMs });
      const setup = await nc.jetstreamManager({
        timeout: Math.max(requestTimeoutMs, SETUP_TIMEOUT_MS),
        // The first one asked already: JetStream is there.
        checkAPI: false,
      });
      const replicas = config.replicas ?? 1;
      await ensureStreams(setup, names, retention, replicas).catch((error) => {
        throw refusedStreams(url, error, replicas);
      });
      return new NatsBus({
        source: config.source,
        nc,
        jsm,
        setup,
        names,
        retention,
        replicas,
        log: adapterLogger("nats", config.log),
        requestTimeoutMs,
      });
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  protected async send(envelope: Envelope): Promise<void> {
    const subject = this.#names.eventSubject(envelope.type);
    const payload = encodeEnvelope(envelope);
    try {
      await this.#publisher.publish(subject, payload, envelope.id);
    } catch (error) {
      if ((error as NatsError).code !== ErrorCode.NoResponders) throw error;
      // No stream answers: the server lost it (restarted without its storage). Recreate once.
      await this.#ensureStreams();
      await this.#publisher.publish(subject, payload, envelope.id);
    }
  }

  protected async open(
    { group, events, handler, options }: Subscriber,
  ): Promise<Subscription> {
    return await NatsSubscription.open(
      this.#context,
      group,
      contractMap(events),
      handler,
      options,
    );
  }

  protected readBacklog(group: string): Promise<Backlog> {
    return readBacklog(this.#jsm, this.#names, group);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    // A JetStream request, not flush(): nats.js pairs PONGs with PINGs first in, first out,
    // so PINGs lost in a stalled link would leave every later flush waiting for ever.
    await withTimeout(
      this.#jsm.getAccountInfo(),
      PING_TIMEOUT_MS,
      `NATS did not answer within ${PING_TIMEOUT_MS} ms`,
    );
  }

  protected async disconnect(): Promise<void> {
    try {
      // Drain rather than close: acks of handlers that just finished must reach the server.
      await withTimeout(this.#nc.drain(), DRAIN_TIMEOUT_MS, "NATS drain timed out");
    } catch (error) {
      this.#log.warn("Closing without a drain", { error });
      await this.#nc.close();
    }
    await this.#nc.closed();
    // Acks that came in during the drain have settled their publishes; the rest never will.
    this.#publisher.close();
    await this.#watcher.stop();
  }

  #ensureStreams(): Promise<void> {
    return ensureStreams(this.#setup, this.#names, this.#retention, this.#replicas);
  }
}
