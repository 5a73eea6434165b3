/**
 * Which real servers the tests may use. A suite that needs Redis or NATS skips
 * loudly when its URL is unset, and fails when REQUIRE_SERVICES=1 (CI).
 *
 * @module
 */

export type ServiceVar = "REDIS_URL" | "NATS_URL";

const warned = new Set<string>();

/** The URL of a service, or null (with a loud warning) when the tests must skip it. */
export function serviceUrl(name: ServiceVar): string | null {
  const url = Deno.env.get(name);
  if (url) return url;
  if (Deno.env.get("REQUIRE_SERVICES") === "1") {
    throw new Error(`${name} is not set, but REQUIRE_SERVICES=1 demands it`);
  }
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(
      `\n!!! ${name} is not set: SKIPPING every test that needs it. ` +
        `Set ${name} (and REQUIRE_SERVICES=1 to fail instead of skipping).\n`,
    );
  }
  return null;
}

/** A name no other test run shares, for namespaces, key prefixes and groups. */
export function uniqueName(prefix = "t"): string {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}
