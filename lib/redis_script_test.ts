import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { openKeyspace } from "../testing/redis.ts";
import { serviceUrl } from "../testing/services.ts";
import { LuaScript, type ScriptArg } from "./redis_script.ts";

const url = serviceUrl("REDIS_URL");

/** Stands in for Redis: knows the scripts it was sent, answers EVALSHA of others NOSCRIPT. */
function fakeRedis(failWith?: Error) {
  const known = new Map<string, string>();
  const calls: string[] = [];
  const script = new LuaScript("return ARGV[1]");
  const redis = {
    evalsha(sha: string, _keys: number, ...args: ScriptArg[]) {
      calls.push("evalsha");
      if (failWith) return Promise.reject(failWith);
      if (!known.has(sha)) {
        return Promise.reject(new Error("NOSCRIPT No matching script. Please use EVAL."));
      }
      return Promise.resolve(args.at(-1));
    },
    async eval(source: string, _keys: number, ...args: ScriptArg[]) {
      calls.push("eval");
      known.set(await new LuaScript(source).sha(), source);
      return args.at(-1);
    },
  };
  return { redis: redis as unknown as Redis, calls, script };
}

Deno.test("LuaScript.sha() is the SHA-1 Redis names the script by", async () => {
  // What `SCRIPT LOAD "return 1"` answers on any Redis.
  assert.equal(await new LuaScript("return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
});

Deno.test("LuaScript.run() sends the source only when Redis answers NOSCRIPT", async () => {
  const { redis, calls, script } = fakeRedis();
  assert.equal(await script.run(redis, ["k"], ["first"]), "first");
  assert.equal(await script.run(redis, ["k"], ["second"]), "second");
  assert.deepEqual(calls, ["evalsha", "eval", "evalsha"]);
});

Deno.test("LuaScript.run() passes any other error on without running the script again", async () => {
  const { redis, calls, script } = fakeRedis(new Error("ERR Error running script: boom"));
  await assert.rejects(script.run(redis, [], ["x"]), /boom/);
  assert.deepEqual(calls, ["evalsha"]);
});

Deno.test({
  name: "LuaScript.run() on Redis: a script the server does not know is loaded, then run by SHA",
  ignore: url === null,
  async fn() {
    const { redis, keyPrefix, close } = await openKeyspace(url!);
    try {
      // A source no Redis has seen, as after a restart or SCRIPT FLUSH.
      const script = new LuaScript(
        `-- ${crypto.randomUUID()}\nreturn {KEYS[1] or '', ARGV[1], redis.call('INCR', ARGV[2])}`,
      );
      const sha = await script.sha();
      assert.deepEqual(await redis.script("EXISTS", sha), [0]);
      const counter = `${keyPrefix}counter`;
      assert.deepEqual(await script.run(redis, ["k"], ["a", counter]), ["k", "a", 1]);
      assert.deepEqual(await redis.script("EXISTS", sha), [1], "EVAL cached it");
      // Keys may be none at all: the script names its keys from ARGV.
      assert.deepEqual(await script.run(redis, [], ["b", counter]), ["", "b", 2]);
      assert.equal(await redis.script("LOAD", script.source), sha);
    } finally {
      await close();
    }
  },
});
