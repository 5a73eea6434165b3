import assert from "node:assert/strict";
import type { Bus, Envelope } from "../bus/types.ts";
import { MODULE_NAMES } from "../lib/module.ts";
import { silentLogger } from "../lib/logger.ts";
import { testSettings } from "../lib/settings.ts";
import { redisBrokerTest } from "../testing/brokers.ts";
import { waitFor } from "../testing/wait.ts";
import { settlesWithin } from "../lib/async/settles_within.ts";
import { startProcess } from "./process.ts";

/** Holds outbox relays' publishes until `open` is called. */
function heldPublishes(bus: Bus) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  const state = { waiting: 0, open };
  const wrapped = new Proxy(bus, {
    get(target, key) {
      if (key === "publishEnvelope") {
        return async (envelope: Envelope) => {
          state.waiting++;
          await opened;
          return await target.publishEnvelope(envelope);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { wrapped, state };
}

redisBrokerTest(
  "stop() ends soon after its grace when Redis has gone away, even mid-publish",
  async (redis) => {
    let held: ReturnType<typeof heldPublishes> | null = null;
    const process = await startProcess({
      modules: MODULE_NAMES,
      // Spelled apart from the stores' URL (the same database), so the stores' events take
      // the outbox and the relay, whose publishes this test holds, rather than going
      // straight into the bus's streams.
      busUrl: `${redis.url}/0`,
      namespace: "stop-test",
      store: "redis",
      redisUrl: redis.url,
      settings: testSettings(),
      log: silentLogger,
      wrapBus: (bus) => (held = heldPublishes(bus)).wrapped,
    });
    const signup = await process.app.request("/accounts/customers", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com" }),
    });
    assert.equal(signup.status, 201, await signup.text());
    const publishes = held!.state;
    await waitFor(() => publishes.waiting > 0, { message: "the relay publishing" });
    await redis.stop("SIGKILL");
    // The relay's publish now waits on a bus connection that is reconnecting.
    publishes.open();
    const started = performance.now();
    // Store and bus commands wait through reconnects: stop() used to wait for ever.
    const stopped = await settlesWithin(process.stop(500), 20_000);
    const ms = Math.round(performance.now() - started);
    assert.ok(stopped, "stop() ended");
    // The grace, a second, then the cut connections fail what waits on them
    // and the bus's goodbyes give up (5 s); a publish left to fail by itself
    // would take more than 10 s.
    assert.ok(ms < 9_000, `stop() took ${ms} ms`);
  },
);
