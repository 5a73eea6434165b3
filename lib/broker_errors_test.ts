import assert from "node:assert/strict";
import { brokerTrouble } from "./broker_errors.ts";
import { ReplicasBehindError } from "./redis_client.ts";

Deno.test("brokerTrouble() names ioredis, nats.js and socket failures", () => {
  assert.equal(brokerTrouble(new Error("Command timed out")), "Redis: Command timed out");
  assert.match(brokerTrouble(new Error("Connection is closed."))!, /^Redis/);
  assert.match(
    brokerTrouble(new Error("Reached the max retries per request limit (which is 0).")) ?? "",
    /max retries/,
  );
  assert.match(brokerTrouble(new Error("LOADING Redis is loading the dataset"))!, /LOADING/);
  assert.match(brokerTrouble(new Error("CLUSTERDOWN The cluster is down"))!, /^Redis: CLUSTERDOWN/);
  assert.match(brokerTrouble(new Error("Failed to refresh slots cache."))!, /slots cache/);
  const aborted = Object.assign(new Error("Command aborted due to connection close"), {
    name: "AbortError",
  });
  assert.match(brokerTrouble(aborted)!, /aborted/);
  assert.match(
    brokerTrouble(new Error("READONLY You can't write against a read only replica."))!,
    /READONLY/,
  );
  assert.match(brokerTrouble(new Error("ASK 3999 127.0.0.1:6381"))!, /^Redis: ASK/);
  const behind = new ReplicasBehindError({ replicas: 1, timeoutMs: 1_000 }, 0);
  assert.match(brokerTrouble(behind)!, /reached 0 of 1 replicas/);
  const nats = Object.assign(new Error("TIMEOUT"), { name: "NatsError", code: "TIMEOUT" });
  assert.equal(brokerTrouble(nats), "NATS: TIMEOUT");
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  assert.equal(brokerTrouble(refused), "connect ECONNREFUSED");
  assert.match(
    brokerTrouble(new Error("saving failed", { cause: new Error("Command timed out") }))!,
    /Command timed out/,
  );
});

Deno.test("brokerTrouble() leaves every other error alone", () => {
  assert.equal(brokerTrouble(new Error("boom")), null);
  assert.equal(brokerTrouble(new TypeError("x is undefined")), null);
  const other = Object.assign(new Error("bad subject"), { name: "NatsError", code: "BAD_SUBJECT" });
  assert.equal(brokerTrouble(other), null);
  assert.equal(brokerTrouble("Command timed out"), null);
  assert.equal(brokerTrouble(new Error("ASKED for a refund twice")), null);
  assert.equal(brokerTrouble(null), null);
});
