import assert from "node:assert/strict";
import type { Output } from "./_output.ts";
import { parseHealthcheck, runHealthcheck } from "./healthcheck.ts";
import { freePort, runBazaar } from "../testing/spawn.ts";

function collector(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (t) => lines.push(t), err: (t) => lines.push(`err: ${t}`) };
}

/** A stand-in for bazaar's /ready that answers `status`. */
function readyStub(status: number) {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) =>
      new URL(request.url).pathname === "/ready"
        ? Response.json({ status: status === 200 ? "ready" : "unavailable" }, { status })
        : new Response("no", { status: 404 }),
  );
  return { port: server.addr.port, close: () => server.shutdown() };
}

Deno.test("parseHealthcheck() probes PORT on the loopback when HOST is any address", () => {
  assert.deepEqual(parseHealthcheck([], { PORT: "9001", HOST: "0.0.0.0" }), {
    port: 9001,
    host: "127.0.0.1",
    timeoutMs: 3_000,
  });
  assert.deepEqual(parseHealthcheck(["--port", "8123", "--host", "::1"], {}), {
    port: 8123,
    host: "::1",
    timeoutMs: 3_000,
  });
  assert.equal(parseHealthcheck([], {})?.port, 8000);
  assert.equal(parseHealthcheck(["--help"], {}), null);
});

for (
  const [args, message] of [
    [["--port", "http"], /--port must be a whole number/],
    [["--port", "70000"], /--port/],
    [["--what"], /Unknown option/],
    [["--timeout-ms", "0"], /--timeout-ms/],
  ] as const
) {
  Deno.test(`runHealthcheck() ${args.join(" ")} is a usage error: exit 2`, async () => {
    const output = collector();
    assert.equal(await runHealthcheck([...args], {}, output), 2);
    assert.equal(output.lines.length, 1);
    assert.match(output.lines[0]!, message);
  });
}

Deno.test("runHealthcheck() exits 0 on a 200 from /ready and 1 on a 503", async () => {
  for (const [status, code] of [[200, 0], [503, 1]]) {
    const stub = readyStub(status!);
    try {
      const output = collector();
      assert.equal(await runHealthcheck(["--port", String(stub.port)], {}, output), code);
      assert.equal(output.lines.length, 1);
      if (code === 1) assert.match(output.lines[0]!, /answered 503/);
    } finally {
      await stub.close();
    }
  }
});

Deno.test("runHealthcheck() exits 1 when nothing listens", async () => {
  const output = collector();
  assert.equal(await runHealthcheck(["--port", String(freePort())], {}, output), 1);
  assert.match(output.lines[0]!, /is unreachable/);
});

Deno.test("bazaar healthcheck runs from the command line, reading PORT", async () => {
  const stub = readyStub(200);
  try {
    const ok = await runBazaar(["healthcheck"], { PORT: String(stub.port) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ready: http:\/\/127\.0\.0\.1:\d+\/ready/);
  } finally {
    await stub.close();
  }
  const down = await runBazaar(["healthcheck"], { PORT: String(freePort()) });
  assert.equal(down.code, 1);
  assert.equal(down.stderr.trim().split("\n").length, 1);
});
