import assert from "node:assert/strict";
import { MODULE_NAMES } from "../lib/module.ts";
import { silentLogger } from "../lib/logger.ts";
import { testSettings } from "../lib/settings.ts";
import { brokersAvailable, RedisBroker } from "../testing/brokers.ts";
import { settlesWithin } from "./_timers.ts";
import { startProcess } from "./process.ts";

Deno.test({
  name: "stop() ends soon after its grace when Redis has gone away",
  ignore: !brokersAvailable("redis-server"),
  fn: async () => {
    const redis = await RedisBroker.open();
    try {
      const process = await startProcess({
        modules: MODULE_NAMES,
        busUrl: redis.url,
        namespace: "stop-test",
        store: "redis",
        redisUrl: redis.url,
        settings: testSettings(),
        log: silentLogger,
      });
      await redis.stop("SIGKILL");
      const started = performance.now();
      // Every store command waits through reconnects: before the cut, stop() waited for ever.
      const stopped = await settlesWithin(process.stop(500), 15_000);
      const ms = Math.round(performance.now() - started);
      assert.ok(stopped, "stop() ended");
      // The grace, a second, then the bus's bounded goodbyes (5 s) and a reconnect attempt.
      assert.ok(ms < 10_000, `stop() took ${ms} ms`);
    } finally {
      await redis.close();
    }
  },
});
