/**
 * A Lua script on Redis, run by its SHA-1 (EVALSHA) so the source crosses the
 * wire once. When Redis answers NOSCRIPT (it restarted, failed over or ran
 * SCRIPT FLUSH) the source is sent again with EVAL, which also caches it for
 * the next EVALSHA. Every module's store runs its scripts through this.
 *
 * @module
 */
import type { Redis } from "ioredis";

export type ScriptArg = string | number;

export class LuaScript {
  #sha: Promise<string> | null = null;

  constructor(readonly source: string) {}

  /** The SHA-1 of the source, in hex: the name Redis keeps the script under. */
  sha(): Promise<string> {
    this.#sha ??= sha1Hex(this.source);
    return this.#sha;
  }

  /**
   * Runs the script with `keys` as KEYS and `args` as ARGV. A script that
   * builds its key names itself (from a prefix in ARGV) passes no keys.
   */
  async run(redis: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const sha = await this.sha();
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      // NOSCRIPT means nothing ran, so sending the source cannot apply the script twice.
      if (!isNoScript(error)) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Redis names its error kind first: "NOSCRIPT No matching script. Please use EVAL." */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
