import assert from "node:assert/strict";
import { busKindOf } from "./factory.ts";

Deno.test("busKindOf() names the Redis adapter for one server and for a Redis Cluster", () => {
  for (
    const url of [
      "redis://h:6379",
      "rediss://h:6380",
      "redis+cluster://a:7000,b:7001",
      "REDISS+CLUSTER://a:7000",
    ]
  ) {
    assert.equal(busKindOf(url), "redis", url);
  }
  assert.equal(busKindOf("nats://h:4222"), "nats");
  assert.equal(busKindOf("memory:"), "memory");
  assert.throws(() => busKindOf("redis+sentinel://h:26379"), /must start with memory:, redis:\/\//);
});
