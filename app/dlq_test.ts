import assert from "node:assert/strict";
import type { Output } from "./_output.ts";
import { usage } from "./config.ts";
import { parseDlq, runDlq } from "./dlq.ts";

function collector(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (t) => lines.push(t), err: (t) => lines.push(`err: ${t}`) };
}

const REDIS = { BUS: "redis" };

Deno.test("parseDlq() reads each command and the server's bus variables", () => {
  const env = { BUS: "nats", NATS_URL: "nats://n:4222", BUS_NAMESPACE: "shop1" };
  assert.deepEqual(parseDlq(["list", "--group", "orders", "--limit", "5"], env), {
    command: { name: "list", group: "orders", limit: 5 },
    busUrl: "nats://n:4222",
    namespace: "shop1",
    json: false,
  });
  assert.deepEqual(parseDlq(["show", "7", "--json"], env)?.command, { name: "show", id: "7" });
  assert.deepEqual(parseDlq(["replay", "7"], env)?.command, { name: "replay", id: "7" });
  assert.deepEqual(parseDlq(["replay", "--all"], env)?.command, {
    name: "replay-all",
    group: undefined,
  });
  // A flag wins over its variable.
  assert.equal(
    parseDlq(["list", "--bus", "redis", "--redis-url", "rediss://r:6380"], env)?.busUrl,
    "rediss://r:6380",
  );
  assert.equal(parseDlq(["--help"], env), null);
});

const BAD: [string[], Record<string, string>, RegExp][] = [
  [[], REDIS, /Say what to do/],
  [["purge"], REDIS, /"dlq purge" is not a dlq command/],
  [["show"], REDIS, /not a dlq command/],
  [["replay"], REDIS, /not a dlq command/],
  [["replay", "1", "--all"], REDIS, /not a dlq command/],
  [["replay", "1", "--group", "orders"], REDIS, /not a dlq command/],
  [["list", "extra", "words"], REDIS, /Unexpected "words"/],
  [["list"], {}, /Dead letters live on a broker: use --bus redis or --bus nats/],
  [["list", "--group", "no spaces"], REDIS, /--group must be 1-64/],
  [["list", "--limit", "0"], REDIS, /--limit/],
  [["list", "--wat"], REDIS, /Unknown option '--wat'/],
  [["list", "--redis-url", "http://x:1"], REDIS, /--redis-url "http:\/\/x:1" must be a redis/],
  [["list", "--redis-url", "redis:/u:secret@"], REDIS, /^(?!.*secret)/],
  [["list", "--namespace", "a b"], REDIS, /--namespace "a b"/],
  [["list"], { ...REDIS, BUS_RETENTION: "5" }, /Setting busRetention is invalid/],
];

for (const [args, env, message] of BAD) {
  Deno.test(`runDlq() ${args.join(" ") || "(nothing)"} is a usage error: exit 2, one line`, async () => {
    const output = collector();
    assert.equal(await runDlq(args, env, output), 2);
    assert.equal(output.lines.length, 1, output.lines.join("\n"));
    assert.match(output.lines[0]!, /^err: bazaar dlq: /);
    assert.match(output.lines[0]!.replace(/^err: bazaar dlq: /, ""), message);
  });
}

Deno.test("runDlq() --help prints every command and the bus variables, exit 0", async () => {
  const output = collector();
  assert.equal(await runDlq(["--help"], {}, output), 0);
  const text = output.lines.join("\n");
  for (const word of ["list", "show <id>", "replay <id>", "replay --all", "--json", "REDIS_URL"]) {
    assert.ok(text.includes(word), `--help mentions ${word}`);
  }
});

Deno.test("bazaar --help lists the dlq and healthcheck commands and the TLS variables", () => {
  const text = usage();
  for (const word of ["bazaar dlq list", "replay --all", "bazaar healthcheck", "REDIS_TLS_CA"]) {
    assert.ok(text.includes(word), `--help mentions ${word}`);
  }
  for (const word of ["NATS_TLS_CA", "NATS_CREDS", "rediss://"]) {
    assert.ok(text.includes(word), `--help mentions ${word}`);
  }
});
