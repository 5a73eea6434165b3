/**
 * Recognises what a broker that is unreachable, stalled or restarting throws
 * (ioredis, nats.js, the socket under them), so that a request that met one
 * answers 503 `unavailable` with a clear message instead of a 500. Matched by
 * message and code, so lib/ needs neither client library.
 *
 * @module
 */

/** ioredis's own messages, and the replies of a server that cannot take work yet. */
const REDIS_TROUBLE = [
  /^Command timed out/,
  /^Connection is closed/,
  // What a command in flight gets when its connection drops (a node killed under it).
  /^Command aborted due to connection close/,
  /^Reached the max retries per request limit/,
  /^Socket timeout/,
  /^Stream isn't writeable/,
  /^LOADING\b/,
  /^BUSY\b/,
  /^MASTERDOWN\b/,
  /^TRYAGAIN\b/,
  // A Redis Cluster that lost a master and has not promoted its replica yet, or whose slot
  // map the client could not read from any node.
  /^CLUSTERDOWN\b/,
  // A write that reached a master demoted to replica before the client's slot map moved on.
  /^READONLY\b/,
  // A slot being migrated (resharding): its keys are moving to another master. ioredis follows
  // ASK for a lone command; a write pipelined with its WAIT (lib/redis_replicated.ts) is
  // answered 503 or retried, the migration being over in moments.
  /^ASK\b/,
  /^Failed to refresh slots cache/,
  /^None of startup nodes is available/,
];

/**
 * A write Redis made but fewer replicas confirmed than REDIS_WAIT_REPLICAS asks
 * (lib/redis_client.ts): the master has no replica in reach, for now.
 */
const REPLICAS_BEHIND = "ReplicasBehindError";

/** nats.js ErrorCode values for a connection or request that got no answer. */
const NATS_TROUBLE = new Set([
  "TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DRAINING",
  "CONNECTION_REFUSED",
  "CONNECTION_TIMEOUT",
  "DISCONNECT",
  "503",
]);

/** The socket's own errors (Node-style codes, and Deno's error names). */
const SOCKET_TROUBLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTCONN",
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "BrokenPipe",
  "TimedOut",
]);

interface Described {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

function recognise(error: Described): string | null {
  const message = typeof error.message === "string" ? error.message : "";
  const code = typeof error.code === "string" ? error.code : "";
  if (error.name === "NatsError" && NATS_TROUBLE.has(code)) return `NATS: ${message || code}`;
  if (error.name === REPLICAS_BEHIND) return message;
  if (REDIS_TROUBLE.some((pattern) => pattern.test(message))) return `Redis: ${message}`;
  if (SOCKET_TROUBLE.has(code) || SOCKET_TROUBLE.has(String(error.name))) {
    return message || code;
  }
  return null;
}

/**
 * What went wrong, in a few words, when `error` (or one of its causes) says a
 * broker is not answering; null for any other error.
 */
export function brokerTrouble(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const found = recognise(current as Described);
    if (found) return found;
    current = (current as Described).cause;
  }
  return null;
}
