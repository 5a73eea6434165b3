/**
 * The error a bus or store connection throws when it cannot start: a broker
 * that is unreachable, refuses the credentials or the certificate, or a TLS
 * setting that cannot be read. Its message is one line that names the broker
 * (URL redacted) and the reason, and never a secret; the program prints it and
 * exits with code 2 instead of retrying in the dark.
 *
 * @module
 */

export class BrokerConnectError extends Error {
  override name = "BrokerConnectError";
}

/** The message of whatever was thrown or emitted, on one line. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, " ").trim() || "unknown error";
}

/**
 * What to check, for the reasons an operator can fix: the certificates, the
 * credentials. `tlsPrefix` names the variables ("REDIS_TLS", "NATS_TLS").
 */
export function hintFor(reason: string, tlsPrefix: string): string {
  if (/certificate ?required/i.test(reason)) {
    return ` (the server wants a client certificate: set ${tlsPrefix}_CERT and ${tlsPrefix}_KEY)`;
  }
  if (/certificate|verify|self.signed|handshake|SSL|TLS/i.test(reason)) {
    return ` (is ${tlsPrefix}_CA the CA that signed the server's certificate?)`;
  }
  if (/WRONGPASS|NOAUTH|Authorization|authentication|permission/i.test(reason)) {
    return " (check the user and password in the URL)";
  }
  return "";
}
