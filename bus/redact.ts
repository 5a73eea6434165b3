/**
 * Broker URLs with their secrets masked, for messages and logs: a password
 * becomes `***`, and so does a user name that stands alone (a NATS token).
 * Each of several comma-separated servers is masked; nothing is parsed, so
 * even a URL that is not one never leaks what precedes its `@`.
 *
 * @module
 */

const MASK = "***";

function redactOne(server: string): string {
  const at = server.lastIndexOf("@");
  if (at < 0) return server;
  const scheme = server.indexOf("://");
  const start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  const userinfo = server.slice(start, at);
  const colon = userinfo.indexOf(":");
  // A user name beside a password is not a secret (a Redis ACL user); alone it is a token.
  const masked = colon >= 0 ? `${userinfo.slice(0, colon)}:${MASK}` : MASK;
  return `${server.slice(0, start)}${masked}${server.slice(at)}`;
}

export function redactUrl(url: string): string {
  return url.split(",").map(redactOne).join(",");
}
