import assert from "node:assert/strict";
import { TcpProxy } from "./tcp_proxy.ts";

/** An echo server on a free loopback port. */
function echoServer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    const echoes: Promise<void>[] = [];
    for await (const conn of listener) {
      conns.add(conn);
      echoes.push((async () => {
        const buffer = new Uint8Array(1024);
        try {
          for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
            await conn.write(buffer.subarray(0, n));
          }
        } catch {
          // closed under us
        }
        conns.delete(conn);
        try {
          conn.close();
        } catch {
          // already closed
        }
      })());
    }
    await Promise.all(echoes);
  })();
  return {
    port: listener.addr.port,
    close: async () => {
      listener.close();
      for (const conn of conns) conn.close();
      await serving;
    },
  };
}

/** Reads one chunk: its text, "" at end of stream. */
async function readText(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(1024);
  const n = await conn.read(buffer).catch(() => null);
  return n === null ? "" : new TextDecoder().decode(buffer.subarray(0, n));
}

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(resolve, ms, "late"));
  const result = await Promise.race([promise, late]);
  clearTimeout(timer);
  return result === "late";
}

/** Sends `text` and reads one chunk back. */
async function roundTrip(conn: Deno.Conn, text: string): Promise<string> {
  await conn.write(new TextEncoder().encode(text));
  return await readText(conn);
}

Deno.test("TcpProxy passes, stalls (drops, keeps open), slows and cuts", async () => {
  const echo = echoServer();
  const proxy = TcpProxy.start({ hostname: "127.0.0.1", port: echo.port });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    assert.equal(await roundTrip(conn, "hello"), "hello");

    proxy.stall();
    await conn.write(new TextEncoder().encode("lost"));
    const answer = readText(conn);
    assert.ok(await pendingAfter(answer, 300), "nothing comes back while stalled");
    // A connection opened during the stall is accepted and blackholed too.
    const during = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await during.write(new TextEncoder().encode("void"));
    const never = readText(during);
    assert.ok(await pendingAfter(never, 300));
    during.close();
    await never;
    assert.ok(proxy.bytes.dropped >= "lostvoid".length, `dropped ${proxy.bytes.dropped}`);

    proxy.pass();
    // The link heals and the read still pending gets the next answer; the lost bytes stay lost.
    await conn.write(new TextEncoder().encode("again"));
    assert.equal(await answer, "again");

    proxy.slow(200);
    const started = performance.now();
    assert.equal(await roundTrip(conn, "slowly"), "slowly");
    assert.ok(performance.now() - started >= 380, "delayed each way");

    proxy.cut();
    assert.equal(await readText(conn), "", "a cut connection ends");
    const refused = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await readText(refused), "", "new connections end at once");
    refused.close();

    proxy.pass();
    const fresh = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    assert.equal(await roundTrip(fresh, "back"), "back");
    fresh.close();
  } finally {
    try {
      conn.close();
    } catch {
      // closed by the cut
    }
    await proxy.close();
    await echo.close();
  }
});
