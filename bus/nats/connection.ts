/**
 * Opening a NATS connection from a bus URL: `nats://[user:pass@]host:port`
 * (`tls://` requires TLS), several servers separated by commas, with TLS and
 * credentials from the environment (`natsSecurityOptions`); failing at once
 * with a clear reason when the first connection cannot be made, reconnecting
 * forever once it has been.
 *
 * @module
 */
import { connect, type ConnectionOptions, credsAuthenticator, type NatsConnection } from "nats";
import { BrokerConnectError, hintFor, reasonOf } from "../connect_error.ts";
import { redactUrl } from "../redact.ts";
import { brokerEnv, type Env, readTlsFiles, tlsConfigured } from "../tls_files.ts";

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
      throw new RangeError(
        `NATS server "${redactUrl(server)}" in bus URL "${redactUrl(url)}" is not host:port`,
      );
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
  if (servers.length === 0) {
    throw new RangeError(`Bus URL "${redactUrl(url)}" names no NATS server`);
  }
  options.servers = servers;
  return options;
}

/**
 * What the environment adds to a NATS URL: TLS with the CA to trust
 * (NATS_TLS_CA) and a client certificate (NATS_TLS_CERT with NATS_TLS_KEY),
 * all paths to PEM files, required as soon as one is set or the URL is
 * `tls://`; and a creds file (NATS_CREDS: user JWT and NKey seed), which
 * replaces any user and password in the URL.
 */
export function natsSecurityOptions(
  url: string,
  env: Env = brokerEnv(),
): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = {};
  if (tlsConfigured(env, "NATS_TLS") || /(^|,)\s*tls:\/\//i.test(url)) {
    options.tls = { ...readTlsFiles(env, "NATS_TLS") };
  }
  const credsPath = env.NATS_CREDS?.trim();
  if (credsPath) {
    let creds: string;
    try {
      creds = Deno.readTextFileSync(credsPath);
    } catch (error) {
      throw new BrokerConnectError(`NATS_CREDS "${credsPath}" cannot be read: ${reasonOf(error)}`);
    }
    if (!creds.includes("NATS USER JWT") || !creds.includes("USER NKEY SEED")) {
      throw new BrokerConnectError(
        `NATS_CREDS "${credsPath}" is not a creds file (a user JWT and an NKey seed)`,
      );
    }
    options.authenticator = credsAuthenticator(new TextEncoder().encode(creds));
  }
  return options;
}

/**
 * Connects once (nats.js tries each server, within its connect timeout) and
 * throws a `BrokerConnectError` naming the redacted URL and the reason when
 * it cannot: a refused password, an untrusted certificate, nothing listening.
 */
export async function connectNats(
  url: string,
  extra: Partial<ConnectionOptions> = {},
): Promise<NatsConnection> {
  const options: ConnectionOptions = {
    ...connectionOptions(url),
    ...natsSecurityOptions(url),
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
  };
  try {
    return await connect(options);
  } catch (error) {
    const reason = reasonOf(error);
    throw new BrokerConnectError(
      `Cannot connect to NATS at ${redactUrl(url)}: ${reason}${hintFor(reason, "NATS_TLS")}`,
    );
  }
}
