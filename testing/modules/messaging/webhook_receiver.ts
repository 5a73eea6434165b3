/**
 * Test helper: a real local webhook receiver and a signature check.
 *
 * @module
 */
import assert from "node:assert/strict";
import { hmacHex } from "../../../lib/auth.ts";

export const SECRET = "whsec-test";

export interface Received {
  headers: Headers;
  body: string;
}

/** A real local receiver: answers each request with the next status of `script` (then 200). */
export function receiver(script: (number | Promise<number>)[]) {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    received.push({ headers: request.headers, body: await request.text() });
    const status = await (script[received.length - 1] ?? 200);
    return new Response(status === 200 ? "ok" : "nope", { status });
  });
  return { received, server, url: `http://127.0.0.1:${server.addr.port}/hook` };
}

export async function assertSigned({ headers, body }: Received) {
  const timestamp = headers.get("x-bazaar-timestamp");
  assert.match(timestamp ?? "", /^\d+$/);
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60, "the timestamp is now");
  assert.equal(
    headers.get("x-bazaar-signature"),
    `sha256=${await hmacHex(SECRET, `${timestamp}.${body}`)}`,
  );
  assert.equal(headers.get("content-type"), "application/json");
}
