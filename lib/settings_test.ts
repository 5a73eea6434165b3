import assert from "node:assert/strict";
import { ZodError } from "zod";
import { settingsFromEnv, testSettings } from "./settings.ts";

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
