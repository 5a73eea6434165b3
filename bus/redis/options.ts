/**
 * The options every Redis connection of bazaar gets, one server's or a
 * Cluster's node connections alike: waits that are bounded, and what the
 * environment adds to the URL (TLS files).
 *
 * @module
 */
import type { RedisOptions } from "ioredis";
import { BrokerConnectError } from "../connect_error.ts";
import { redactUrl } from "../redact.ts";
import { brokerEnv, type Env, readTlsFiles, tlsConfigured } from "../tls_files.ts";

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
