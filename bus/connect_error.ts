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

/** What to check, for the reasons an operator can fix: the CA, the credentials. */
export function hintFor(reason: string, tlsVariable: string): string {
  if (/certificate|verify|self.signed|handshake|SSL|TLS/i.test(reason)) {
    return ` (is ${tlsVariable} the CA that signed the server's certificate?)`;
  }
  if (/WRONGPASS|NOAUTH|Authorization|authentication|permission/i.test(reason)) {
    return " (check the user and password in the URL)";
  }
  return "";
}
