import assert from "node:assert/strict";
import { parseConfig, UsageError } from "./config.ts";

const parse = (args: string[], env: Record<string, string> = {}) => parseConfig(args, env);

Deno.test("parseConfig() runs every module on memory by default", () => {
  const config = parse([]);
  assert.deepEqual(config.modules, ["inventory", "accounts", "orders", "messaging", "web"]);
  assert.equal(config.bus, "memory");
  assert.equal(config.store, "memory");
  assert.equal(config.port, 8000);
});

Deno.test("parseConfig() reads flags first, then the environment", () => {
  const config = parse(["--modules", "orders,inventory", "--bus", "redis", "--port", "9001"], {
    MODULES: "accounts",
    PORT: "7000",
    REDIS_URL: "redis://cache:6380/2",
    LOG_LEVEL: "debug",
  });
  assert.deepEqual(config.modules, ["orders", "inventory"]);
  assert.equal(config.port, 9001);
  assert.equal(config.redisUrl, "redis://cache:6380/2");
  assert.equal(config.store, "redis", "the redis bus implies redis stores");
  assert.equal(config.logLevel, "debug");
  const fromEnv = parse([], { MODULES: "accounts", BUS: "nats", STORE: "memory" });
  assert.deepEqual(fromEnv.modules, ["accounts"]);
  assert.equal(fromEnv.bus, "nats");
  assert.equal(fromEnv.store, "memory");
  assert.equal(parse(["--bus", "nats"]).store, "redis", "a broker bus implies redis stores");
});

Deno.test("parseConfig() takes every server of a NATS cluster in NATS_URL, comma-separated", () => {
  const servers = "nats://n1:4222, nats://n2:4222,tls://n3:4222";
  assert.equal(parse(["--bus", "nats"], { NATS_URL: servers }).natsUrl, servers);
  assert.equal(parse(["--bus", "nats", "--nats-url", servers]).natsUrl, servers);
});

Deno.test("parseConfig() takes a Redis Cluster by its seed nodes in REDIS_URL", () => {
  const cluster = "redis+cluster://app:pw@r1:7000,r2:7001,r3:7002";
  assert.equal(parse(["--bus", "redis"], { REDIS_URL: cluster }).redisUrl, cluster);
  const tls = "rediss+cluster://r1:7000,r2:7001";
  assert.equal(parse(["--bus", "redis", "--redis-url", tls]).redisUrl, tls);
});

const BAD: [string[], RegExp][] = [
  [
    ["--modules", "inventory,shipping"],
    /Unknown module "shipping".*inventory, accounts, orders, messaging, web/,
  ],
  [["--modules", ""], /empty/],
  [["--bus", "kafka"], /Unknown bus "kafka"/],
  [["--bus", "redis", "--redis-url", "not a url"], /--redis-url "not a url" is not a URL/],
  [["--bus", "redis", "--redis-url", "http://x"], /must be a redis or rediss/],
  [["--bus", "redis", "--redis-url", "redis+cluster://r1:7000,r2:x"], /"r2:x" is not host:port/],
  [["--bus", "redis", "--redis-url", "redis+cluster://"], /names no node/],
  [["--bus", "nats", "--nats-url", "nats//x"], /--nats-url "nats\/\/x" is not a URL/],
  [["--bus", "nats", "--nats-url", "nats://a:4222,b:4222"], /--nats-url "b:4222" must be a nats/],
  [["--bus", "nats", "--nats-url", ","], /--nats-url "," names no server/],
  [["--modules", "orders"], /memory bus.*would go nowhere/],
  [["--store", "postgres"], /Unknown store "postgres"/],
  [["--port", "http"], /--port "http"/],
  [["--port", "70000"], /--port "70000"/],
  [["--log-level", "loud"], /Unknown log level "loud"/],
  [["--frobnicate"], /Unknown option '--frobnicate'/],
  [["stray"], /positional/],
];

for (const [args, message] of BAD) {
  Deno.test(`parseConfig() refuses ${args.join(" ")} with one clear line`, () => {
    assert.throws(() => parse(args), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, message);
      assert.ok(!error.message.includes("\n"), "one line");
      return true;
    });
  });
}

Deno.test("parseConfig() takes --admin-token and --auth-secret over their variables", () => {
  const config = parse(["--admin-token", "flag-token"], {
    ADMIN_TOKEN: "env-token",
    AUTH_SECRET: "env-secret",
  });
  assert.equal(config.adminToken, "flag-token");
  assert.equal(config.authSecret, "env-secret");
  assert.equal(parse([]).adminToken, "");
});

Deno.test("parseConfig() reads KEY_PREFIX for the stores and refuses a strange one", () => {
  assert.equal(parse([]).keyPrefix, "");
  assert.equal(parse([], { KEY_PREFIX: "shop1:" }).keyPrefix, "shop1:");
  assert.throws(
    () => parse([], { KEY_PREFIX: "a b*" }),
    (error: unknown) => error instanceof UsageError && /KEY_PREFIX "a b\*"/.test(error.message),
  );
});

Deno.test("parseConfig() runs web alone on any bus, but no partial set of data modules on memory", () => {
  for (const bus of ["memory", "redis", "nats"]) {
    assert.deepEqual(parse(["--modules", "web", "--bus", bus]).modules, ["web"]);
  }
  const data = "inventory,accounts,orders,messaging";
  assert.equal(parse(["--modules", data]).modules.length, 4, "every data module without web");
  assert.throws(() => parse(["--modules", "web,orders"]), /memory bus.*would go nowhere/);
});
