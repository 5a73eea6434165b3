/**
 * Runs a Lua script by SHA-1, sending the source only when Redis answers
 * NOSCRIPT (after a restart or SCRIPT FLUSH). Messaging's own copy: modules
 * share no code but the bus and lib.
 *
 * @module
 */
import type { Redis } from "ioredis";

export class LuaScript {
  #sha: Promise<string> | null = null;

  constructor(readonly source: string) {}

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    this.#sha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(this.source)).then(
      (digest) => [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
    try {
      return await redis.evalsha(await this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
