/**
 * Opening a NATS connection from a bus URL: `nats://[user:pass@]host:port`,
 * several servers separated by commas, reconnecting forever.
 *
 * @module
 */
import { connect, type ConnectionOptions, type NatsConnection } from "nats";

const RECONNECT_WAIT_MS = 1_000;
/** Two unanswered pings, this far apart together, and the connection is stale. */
const STALE_AFTER_MS = 6_000;

/** Splits a bus URL into server addresses and the credentials nats.js wants as options. */
export function connectionOptions(url: string): ConnectionOptions {
  const options: ConnectionOptions = { servers: [] };
  const servers: string[] = [];
  for (const part of url.split(",")) {
    const server = part.trim();
    if (!server) continue;
    // nats.js drops the scheme and ignores credentials in a server URL.
    const parsed = URL.parse(server.includes("://") ? server : `nats://${server}`);
    if (!parsed || !parsed.hostname) {
      throw new RangeError(`NATS server "${server}" in bus URL "${url}" is not host:port`);
    }
    if (parsed.username) {
      const user = decodeURIComponent(parsed.username);
      if (parsed.password) {
        options.user = user;
        options.pass = decodeURIComponent(parsed.password);
      } else {
        options.token = user;
      }
    }
    servers.push(`${parsed.protocol}//${parsed.host}`);
  }
  if (servers.length === 0) throw new RangeError(`Bus URL "${url}" names no NATS server`);
  options.servers = servers;
  return options;
}

export function connectNats(
  url: string,
  extra: Partial<ConnectionOptions> = {},
): Promise<NatsConnection> {
  return connect({
    ...connectionOptions(url),
    // A broker restart must never end the process: keep trying.
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    // Otherwise every request (each JetStream publish) builds an Error for its stack
    // trace: over a tenth of the CPU a busy publisher spends.
    noAsyncTraces: true,
    // A link that stalls (no error, no bytes) is noticed within about
    // STALE_AFTER_MS and reconnected, instead of the default four minutes; a
    // reconnect whose handshake goes unanswered gives up as soon.
    pingInterval: STALE_AFTER_MS / 2,
    maxPingOut: 2,
    timeout: STALE_AFTER_MS,
    ...extra,
  });
}
