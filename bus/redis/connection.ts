/**
 * Opening and closing ioredis connections the same way everywhere: fail fast
 * on a bad URL, log connection trouble (throttled) instead of crashing, and
 * leave no socket or timer behind on close.
 *
 * @module
 */
import { Redis, type RedisOptions } from "ioredis";
import { withTimeout } from "../../lib/async/with_timeout.ts";
import type { Logger } from "../../lib/logger.ts";
import { adapterLogger } from "../defaults.ts";
import { BrokerConnectError, hintFor, reasonOf } from "../connect_error.ts";
import { redactUrl } from "../redact.ts";
import { brokerEnv, type Env, readTlsFiles, tlsConfigured } from "../tls_files.ts";
import { type ConnectionRole, countRoundTrips } from "./round_trips.ts";

export { redactUrl };

/** ioredis logs "Unhandled error event" without a listener; a flapping server would flood the log. */
const ERROR_LOG_INTERVAL_MS = 5_000;

/**
 * Options that bound every wait on a connection, so a server that stops
 * answering (a stalled link, not a closed one) fails callers instead of
 * holding them for ever:
 * - `commandTimeout`: each command fails after `timeoutMs` (plus `blockMs` on a
 *   connection that blocks that long in XREADGROUP), also while it is queued
 *   during a reconnect;
 * - `socketTimeout`: a socket that gets no byte for that long while answers
 *   are owed is destroyed and reconnected. Replies are matched to commands in
 *   order, so a link that lost bytes must never be used again;
 * - `maxRetriesPerRequest: 0`: a dropped connection fails what was in flight
 *   at once rather than sending it again later, when its caller has long been
 *   told it failed (and may have retried it);
 * - reconnecting never gives up, backing off to one try a second.
 */
export function boundedWaits(timeoutMs: number, blockMs = 0): RedisOptions {
  return {
    commandTimeout: timeoutMs + blockMs,
    socketTimeout: timeoutMs + blockMs,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  };
}

/** How long a start-up connection may take before it is given up. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * What the environment adds to a Redis URL, for every connection (bus and
 * stores): with `rediss://`, the CA to trust (REDIS_TLS_CA) and a client
 * certificate (REDIS_TLS_CERT with REDIS_TLS_KEY), all paths to PEM files.
 * The ACL user and password stay in the URL (`rediss://user:pass@host:port`),
 * where ioredis reads them. TLS variables beside a plain `redis://` URL are an
 * error: the password would otherwise cross the network in the clear.
 */
export function redisOptions(url: string, env: Env = brokerEnv()): RedisOptions {
  const tls = /^rediss:/i.test(url.trim());
  if (!tls) {
    if (tlsConfigured(env, "REDIS_TLS")) {
      throw new BrokerConnectError(
        `REDIS_TLS_* is set but the Redis URL ${redactUrl(url)} is not rediss://: ` +
          "use rediss:// for TLS, or unset the variables",
      );
    }
    return {};
  }
  return { tls: { ...readTlsFiles(env, "REDIS_TLS") } };
}

const guarded = new WeakSet<object>();

/**
 * ioredis listens once for its socket's error, but Deno's TLS socket may emit
 * two (a server that refuses the client's certificate: the alert, then EPIPE
 * for the write in flight), and the second would crash the process as an
 * uncaught error. Each socket the connection opens, now or on a reconnect,
 * gets a listener that lets ioredis's own handling stand.
 */
function absorbLaterSocketErrors(redis: Redis): void {
  const guard = () => {
    const stream = redis.stream as unknown as { on?(event: "error", fn: () => void): void };
    if (!stream?.on || guarded.has(stream)) return;
    guarded.add(stream);
    stream.on("error", () => {});
  };
  redis.on("connect", guard);
  redis.on("error", guard);
}

/**
 * Connects once, within a deadline: an unreachable server, a refused password
 * or an untrusted certificate fails here with its reason (ioredis only says
 * "Connection is closed" and would go on retrying in the background). Later
 * losses reconnect as the connection's retry strategy says.
 */
export async function connectOnce(
  redis: Redis,
  url: string,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<void> {
  absorbLaterSocketErrors(redis);
  let cause: unknown;
  const remember = (error: unknown) => cause ??= error;
  redis.on("error", remember);
  try {
    await withTimeout(redis.connect(), timeoutMs, `no answer within ${timeoutMs} ms`);
  } catch (error) {
    // Nothing waits on it yet: cancelling the pending reconnect is enough.
    redis.disconnect();
    const reason = reasonOf(cause ?? error);
    throw new BrokerConnectError(
      `Cannot connect to Redis at ${redactUrl(url)}: ${reason}${hintFor(reason, "REDIS_TLS")}`,
    );
  } finally {
    redis.off("error", remember);
  }
}

function watchErrors(redis: Redis, name: string, log: Logger): void {
  let lastLogged = 0;
  redis.on("error", (error: unknown) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    log.warn("Redis connection error", { connection: name, error });
  });
}

/**
 * Connects before resolving, so a wrong URL fails here and not at the first command. Its
 * round trips count under `role` (round_trips.ts).
 */
export async function openConnection(
  url: string,
  name: string,
  options: RedisOptions,
  log: Logger = adapterLogger("redis"),
  role: ConnectionRole = "bus",
): Promise<Redis> {
  const redis = new Redis(url, {
    ...redisOptions(url),
    ...options,
    connectionName: name,
    lazyConnect: true,
  });
  clearSocketTimeoutOnClose(redis);
  countRoundTrips(redis, role);
  // Watched only once connected: a failed start is one error, not a log line more.
  await connectOnce(redis, url);
  watchErrors(redis, name, log);
  return redis;
}

/**
 * Works around ioredis (5.x): it arms its `socketTimeout` timer when it writes
 * and clears it when data comes, but not when the socket closes, so a timer
 * left from a socket that dropped (a broker restart) fires later and destroys
 * the next, healthy socket, failing what is in flight on it. Call it on every
 * connection opened with `boundedWaits`.
 */
export function clearSocketTimeoutOnClose(redis: Redis): void {
  const internals = redis as unknown as { socketTimeoutTimer?: ReturnType<typeof setTimeout> };
  redis.on("close", () => {
    clearTimeout(internals.socketTimeoutTimer);
    internals.socketTimeoutTimer = undefined;
  });
}

/** A server that stopped answering (not gone: no socket error) must not hold up a close. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * Drops the socket and fails every command still waiting on it. disconnect()
 * alone does not while ioredis waits to reconnect (the server is away): it
 * cancels the reconnect, and the queued commands wait for ever — and so does
 * whoever awaits them. Refusing further reconnects instead lets the pending
 * attempt end the connection and reject its queue.
 */
export function dropConnection(redis: Redis): void {
  redis.options.retryStrategy = () => null;
  if (redis.status !== "reconnecting") redis.disconnect();
  // With a command timeout nothing queued waits for ever: end the reconnect wait too.
  else if (redis.options.commandTimeout) redis.disconnect();
}

/** QUIT when the server answers (pending replies arrive first), else drop the socket. */
export async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    dropConnection(redis);
    return;
  }
  try {
    await withTimeout(redis.quit(), QUIT_TIMEOUT_MS, "QUIT timed out");
  } catch {
    dropConnection(redis);
  }
}
