/**
 * A Lua script on Redis, run by its SHA-1 (EVALSHA) so the source crosses the
 * wire once. When Redis answers NOSCRIPT (it restarted, failed over or ran
 * SCRIPT FLUSH) the source is sent again with EVAL, which also caches it for
 * the next EVALSHA. Every module's store runs its scripts through this.
 *
 * On a Redis Cluster a script runs on the node of its KEYS, which must share
 * one slot, and may touch no key it was not given: every key goes in KEYS.
 *
 * @module
 */
import { type RedisClient, replicaWaitOf } from "./redis_client.ts";
import { fenceKeyOf, writeReplicated } from "./redis_replicated.ts";

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
   * Runs the script with `keys` as KEYS and `args` as ARGV. With a replica wait on
   * the client (REDIS_WAIT_REPLICAS), a fence write (the first key's hash tag, then
   * `:fence`) and `WAIT` follow the script to its node, and a
   * write fewer replicas confirmed rejects with ReplicasBehindError (lib/redis_replicated.ts):
   * the script ran on the master, and the caller runs it again (every store script is
   * idempotent). NOSCRIPT falls back to EVAL the same way.
   */
  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const sha = await this.sha();
    try {
      return await evaluate(redis, "evalsha", sha, keys, args);
    } catch (error) {
      // NOSCRIPT means nothing ran, so sending the source cannot apply the script twice.
      if (!isNoScript(error)) throw error;
      return await evaluate(redis, "eval", this.source, keys, args);
    }
  }
}

/** EVALSHA or EVAL of `script`; with the client's replica wait, WAIT after it on its node. */
async function evaluate(
  redis: RedisClient,
  command: "evalsha" | "eval",
  script: string,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  if (replicaWaitOf(redis) === null) {
    return await redis[command](script, keys.length, ...keys, ...args);
  }
  // Fenced: a script that writes nothing is confirmed like one that writes.
  const [reply] = await writeReplicated<[unknown]>(
    redis,
    (pipeline) => pipeline[command](script, keys.length, ...keys, ...args),
    fenceKeyOf(keys[0]),
  );
  return reply;
}

/** Redis names its error kind first: "NOSCRIPT No matching script. Please use EVAL." */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
