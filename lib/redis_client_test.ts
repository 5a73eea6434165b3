import assert from "node:assert/strict";
import { isClusterUrl, parseClusterUrl } from "./redis_client.ts";

Deno.test("a cluster URL names its seed nodes, and keeps user, password and TLS for each", () => {
  const url = "rediss+cluster://app:s3cret@r1:7000,r2:7001,10.0.0.3:7002/0";
  assert.equal(isClusterUrl(url), true);
  assert.deepEqual(parseClusterUrl(url), {
    nodes: [{ host: "r1", port: 7000 }, { host: "r2", port: 7001 }, {
      host: "10.0.0.3",
      port: 7002,
    }],
    first: "rediss://app:s3cret@r1:7000/0",
    tls: true,
  });
});

Deno.test("a one-server URL is no cluster unless REDIS_CLUSTER says so", () => {
  assert.equal(isClusterUrl("redis://cache:6379"), false);
  assert.equal(parseClusterUrl("redis://cache:6379"), null);
  assert.deepEqual(parseClusterUrl("redis://cache:6379", true), {
    nodes: [{ host: "cache", port: 6379 }],
    first: "redis://cache:6379",
    tls: false,
  });
  assert.deepEqual(parseClusterUrl("redis+cluster://a,b:7001")?.nodes, [
    { host: "a", port: 6379 },
    { host: "b", port: 7001 },
  ]);
});

Deno.test("a cluster node without a valid port is refused", () => {
  assert.throws(() => parseClusterUrl("redis+cluster://a:0,b:7001"), /"a:0" is not host:port/);
  assert.throws(() => parseClusterUrl("redis+cluster://a:x"), /not host:port/);
  assert.throws(() => parseClusterUrl("redis+cluster:///0"), /names no node/);
});
