/**
 * Malformed messages written straight into a broker, past every publisher's
 * check — raw text, bytes that are no envelope, envelopes whose data fails
 * the schema, a Redis entry without the envelope field — land in the dead
 * letters of the group that met them, each with a reason, while that group's
 * consumer keeps handling good messages: an order placed after them is
 * confirmed. One all-in-one process per bus (memory, Redis Streams, NATS
 * JetStream); Redis and NATS skip loudly without REDIS_URL/NATS_URL (fail
 * with REQUIRE_SERVICES=1).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import { injectRaw } from "../testing/bus/memory_inject.ts";
import { connectNats } from "../bus/nats/connection.ts";
import { natsNames } from "../bus/nats/names.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import { serviceUrl } from "../testing/services.ts";
import { Shop } from "../testing/shop.ts";
import { type Setup, setupAvailable, startSystem, type TestSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";

/** The event inventory consumes first in every saga: its group meets every poison. */
const TYPE = "order.placed";
const GROUP = "inventory";

function envelope(data: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: crypto.randomUUID(),
    type: TYPE,
    source: "rogue",
    time: new Date().toISOString(),
    data,
    correlation_id: "rogue",
    causation_id: null,
    traceparent: null,
    ...extra,
  });
}

/** Every poison, as text a broken publisher could write. */
const POISONS: { what: string; raw: string }[] = [
  { what: "text that is not JSON", raw: "{not json" },
  { what: "NUL and control bytes", raw: "\u0000\u0001\u0002garbage\u0000" },
  { what: "a lone surrogate", raw: '{"id":"\ud800"}' },
  { what: "a JSON array", raw: "[1,2,3]" },
  { what: "JSON null", raw: "null" },
  { what: "an envelope missing its id and type", raw: JSON.stringify({ data: {} }) },
  { what: "data of the wrong types", raw: envelope({ order_id: 7, customer_id: [], items: "x" }) },
  {
    what: "a negative quantity",
    raw: envelope({
      order_id: "o1",
      customer_id: "c1",
      items: [{ product_id: "p", quantity: -4 }],
    }),
  },
  {
    what: "data nested 2,000 deep",
    raw: envelope(JSON.parse("[".repeat(2_000) + "]".repeat(2_000))),
  },
  { what: "a huge number", raw: envelope({ order_id: "o", customer_id: "c", items: 1e400 }) },
];

type Inject = (system: TestSystem, raw: string) => Promise<void>;

const injectors: Record<Setup, Inject> = {
  memory: (system, raw) =>
    Promise.resolve(injectRaw(system.namespace, TYPE, raw, `memory://${system.namespace}`)),
  redis: async (system, raw) => {
    const redis = new Redis(serviceUrl("REDIS_URL")!);
    try {
      await redis.xadd(new RedisKeys(system.namespace).stream(TYPE), "*", "e", raw);
    } finally {
      await redis.quit();
    }
  },
  nats: async (system, raw) => {
    const nc = await connectNats(serviceUrl("NATS_URL")!);
    try {
      await nc.jetstream().publish(natsNames(system.namespace).eventSubject(TYPE), raw);
    } finally {
      await nc.close();
    }
  },
};

/** Redis only: stream entries with no `e` field at all, or an empty one. */
async function injectOddRedisEntries(system: TestSystem): Promise<number> {
  const redis = new Redis(serviceUrl("REDIS_URL")!);
  try {
    const stream = new RedisKeys(system.namespace).stream(TYPE);
    await redis.xadd(stream, "*", "x", envelope({ order_id: "o" }));
    await redis.xadd(stream, "*", "e", "");
    await redis.xadd(stream, "*", "e", Buffer.from([0xff, 0xfe, 0x80, 0x7b]));
    return 3;
  } finally {
    await redis.quit();
  }
}

/** NATS only: a core (not JetStream) publish of raw bytes onto the subject. */
async function injectCoreNats(system: TestSystem): Promise<number> {
  const nc = await connectNats(serviceUrl("NATS_URL")!);
  try {
    nc.publish(natsNames(system.namespace).eventSubject(TYPE), new Uint8Array([0xc3, 0x28, 0x00]));
    await nc.flush();
    return 1;
  } finally {
    await nc.close();
  }
}

for (const setup of ["memory", "redis", "nats"] as const) {
  Deno.test({
    name:
      `${setup}: malformed messages written into the broker are dead-lettered with a reason, and the consumer goes on`,
    ignore: !setupAvailable(setup),
    fn: async () => {
      const system = await startSystem(setup, { settings: { busAckDeadlineMs: 2_000 } });
      try {
        const shop = new Shop(system);
        const product = await shop.product(10, 300);
        const buyer = await shop.customer(10_000);
        // The group is working before the poison, and after it.
        assert.equal(
          (await shop.order(buyer, [{ product_id: product, quantity: 1 }])).status,
          "confirmed",
        );
        for (const poison of POISONS) await injectors[setup](system, poison.raw);
        let expected = POISONS.length;
        if (setup === "redis") expected += await injectOddRedisEntries(system);
        if (setup === "nats") expected += await injectCoreNats(system);
        const after = await shop.order(buyer, [{ product_id: product, quantity: 2 }]);
        assert.equal(after.status, "confirmed", JSON.stringify(after));

        // deno-lint-ignore no-explicit-any
        const dead: any[] = await waitFor(async () => {
          const reply = await system.call("GET", `/admin/dead-letters?group=${GROUP}&limit=100`, {
            token: system.admin,
          });
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          return reply.body.items.length >= expected ? reply.body.items : null;
        }, { timeoutMs: 20_000, message: `${expected} dead letters in ${GROUP}` });
        assert.equal(dead.length, expected, JSON.stringify(dead, null, 1));
        for (const letter of dead) {
          assert.equal(typeof letter.error, "string", JSON.stringify(letter));
          assert.ok(letter.error.length > 0, JSON.stringify(letter));
        }
        // Nothing of the poison reached another group or a store.
        const others = await system.call("GET", "/admin/dead-letters?limit=100", {
          token: system.admin,
        });
        assert.equal(others.body.items.length, expected, JSON.stringify(others.body));
        await shop.assertInvariants({ notifications: true });
        const health = await system.call("GET", "/ready");
        assert.equal(health.status, 200);
      } finally {
        await system.stop();
      }
    },
  });
}
