/**
 * Runs a Lua script by its SHA-1 and falls back to sending the source once
 * Redis says it does not know it (after a restart or SCRIPT FLUSH). Kept per
 * module so no module imports another's code.
 *
 * @module
 */
import type { Redis } from "ioredis";

export class LuaScript {
  #sha: Promise<string> | null = null;

  constructor(readonly source: string) {}

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    this.#sha ??= sha1Hex(this.source);
    try {
      return await redis.evalsha(await this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message ?? error).includes("NOSCRIPT")) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
