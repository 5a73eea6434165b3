/**
 * The command line as a user meets it: `deno run -A mod.ts …`, the same entry
 * point and flags as the compiled binary.
 */
import assert from "node:assert/strict";
import { BazaarServer, runBazaar } from "../testing/spawn.ts";

Deno.test("--help lists every flag with its environment variable and exits 0", async () => {
  const { code, stdout } = await runBazaar(["--help"]);
  assert.equal(code, 0);
  for (
    const flag of [
      "--modules",
      "--bus",
      "--store",
      "--port",
      "--host",
      "--redis-url",
      "--nats-url",
      "--log-level",
      "--help",
      "--version",
    ]
  ) {
    assert.ok(stdout.includes(flag), `--help mentions ${flag}`);
  }
  for (
    const env of [
      "MODULES",
      "BUS",
      "STORE",
      "PORT",
      "REDIS_URL",
      "NATS_URL",
      "ADMIN_TOKEN",
      "AUTH_SECRET",
    ]
  ) {
    assert.ok(stdout.includes(env), `--help mentions ${env}`);
  }
});

Deno.test("--version prints the version and exits 0", async () => {
  const { code, stdout } = await runBazaar(["--version"]);
  assert.equal(code, 0);
  assert.match(stdout, /^bazaar \d+\.\d+\.\d+/);
});

const BAD: [string[], Record<string, string>, RegExp][] = [
  [["--modules", "inventory,shipping"], {}, /Unknown module "shipping"/],
  [["--bus", "kafka"], {}, /Unknown bus "kafka"/],
  [["--bus", "redis", "--redis-url", "::nope"], {}, /is not a URL/],
  [["--modules", "orders"], {}, /would go nowhere/],
  [[], { MODULES: "inventory,warehouse" }, /Unknown module "warehouse"/],
  [[], { BUS: "rabbit" }, /Unknown bus "rabbit"/],
  [["--port", "eighty"], {}, /--port "eighty"/],
  [["--wat"], {}, /Unknown option/],
  [[], { FEE_BPS: "lots" }, /feeBps/],
  [[], { BUS_RETENTION: "5" }, /busRetention/],
  [[], { BUS_ACK_DEADLINE_MS: "soon" }, /busAckDeadlineMs/],
  [[], { NATS_REPLICAS: "7" }, /natsReplicas/],
  [[], { CURRENCY: "euro" }, /currency is invalid: must be an ISO 4217 code/],
  [[], { CURRENCY: "XYZ" }, /currency is invalid: is not a currency/],
];

for (const [args, env, message] of BAD) {
  Deno.test(`bad input ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(" ")} exits 2 with one line`, async () => {
    const { code, stderr } = await runBazaar(args, env);
    assert.equal(code, 2, stderr);
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  });
}

Deno.test("the program serves, then exits 0 on SIGTERM", async () => {
  const server = await BazaarServer.start(["--dev"]);
  const health = await (await fetch(`${server.url}/health`)).json();
  assert.deepEqual([...health.modules].sort(), [
    "accounts",
    "inventory",
    "messaging",
    "orders",
    "web",
  ]);
  const created = await fetch(`${server.url}/inventory/products`, {
    method: "POST",
    headers: { authorization: "Bearer dev-admin-token", "content-type": "application/json" },
    body: JSON.stringify({ name: "Mug", price: 1200, stock: 3 }),
  });
  assert.equal(created.status, 201);
  await created.body?.cancel();
  assert.equal(await server.kill("SIGTERM"), 0, server.logs());
  assert.match(server.logs(), /"message":"Stopped"/);
});
