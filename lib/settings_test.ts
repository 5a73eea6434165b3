import assert from "node:assert/strict";
import { ZodError } from "zod";
import { busRetentionOf, replicaWaitSetting, settingsFromEnv, testSettings } from "./settings.ts";

Deno.test("settingsFromEnv() reads CURRENCY, USD by default", () => {
  assert.equal(settingsFromEnv({}).currency, "USD");
  assert.equal(settingsFromEnv({ CURRENCY: "" }).currency, "USD");
  assert.equal(settingsFromEnv({ CURRENCY: "EUR" }).currency, "EUR");
  assert.equal(settingsFromEnv({ CURRENCY: "JPY" }).currency, "JPY");
  assert.equal(testSettings().currency, "USD");
});

Deno.test("settingsFromEnv() refuses a CURRENCY that is not a known ISO 4217 code", () => {
  for (const bad of ["eur", "EURO", "E1R", "XYZ", " USD"]) {
    assert.throws(
      () => settingsFromEnv({ CURRENCY: bad }),
      (error: unknown) =>
        error instanceof ZodError && error.issues[0]?.path.join(".") === "currency",
      bad,
    );
  }
});

Deno.test("settingsFromEnv() reads NATS_REPLICAS, 1 by default, and hands it to the bus", () => {
  assert.equal(settingsFromEnv({}).natsReplicas, 1);
  assert.equal(settingsFromEnv({ NATS_REPLICAS: "3" }).natsReplicas, 3);
  assert.equal(busRetentionOf(settingsFromEnv({ NATS_REPLICAS: "3" })).replicas, 3);
});

Deno.test("settingsFromEnv() reads REDIS_WAIT_REPLICAS, 0 (no WAIT) by default", () => {
  assert.equal(replicaWaitSetting(settingsFromEnv({})), null);
  assert.deepEqual(
    replicaWaitSetting(
      settingsFromEnv({ REDIS_WAIT_REPLICAS: "1", REDIS_COMMAND_TIMEOUT_MS: "3000" }),
    ),
    { replicas: 1, timeoutMs: 1_500 },
    "WAIT answers within half the command timeout, before the command itself fails",
  );
  for (const bad of ["-1", "6", "one"]) {
    assert.throws(
      () => settingsFromEnv({ REDIS_WAIT_REPLICAS: bad }),
      (error: unknown) =>
        error instanceof ZodError && error.issues[0]?.path.join(".") === "redisWaitReplicas",
      bad,
    );
  }
});

Deno.test("settingsFromEnv() refuses a NATS_REPLICAS JetStream cannot keep", () => {
  for (const bad of ["0", "6", "2.5", "three"]) {
    assert.throws(
      () => settingsFromEnv({ NATS_REPLICAS: bad }),
      (error: unknown) =>
        error instanceof ZodError && error.issues[0]?.path.join(".") === "natsReplicas",
      bad,
    );
  }
});
