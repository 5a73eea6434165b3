import assert from "node:assert/strict";
import { principalOf, signCustomerToken, verifyCustomerToken } from "./auth.ts";
import { settingsFromEnv, testSettings } from "./settings.ts";

Deno.test("verifyCustomerToken() accepts its own token and refuses every one-character change", async () => {
  const token = await signCustomerToken("secret", "cus_42");
  assert.equal(await verifyCustomerToken("secret", token), "cus_42");
  assert.equal(await verifyCustomerToken("other-secret", token), null);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < token.length; i++) {
    if (token[i] === ".") continue;
    for (const c of alphabet) {
      if (c === token[i]) continue;
      const forged = token.slice(0, i) + c + token.slice(i + 1);
      assert.equal(await verifyCustomerToken("secret", forged), null, `forged at ${i}: ${forged}`);
    }
  }
});

Deno.test("principalOf() tells the admin from a customer and refuses junk", async () => {
  const settings = testSettings();
  assert.deepEqual(await principalOf(settings, `Bearer ${settings.adminToken}`), {
    kind: "admin",
  });
  const token = await signCustomerToken(settings.authSecret, "cus_1");
  assert.deepEqual(await principalOf(settings, `Bearer ${token}`), {
    kind: "customer",
    customerId: "cus_1",
  });
  for (
    const header of [undefined, "", "Bearer", "Basic abc", `Bearer ${token}x`, "Bearer c1.x.y"]
  ) {
    assert.equal(await principalOf(settings, header), null, String(header));
  }
});

Deno.test("settingsFromEnv() signs customer tokens alike in every process that shares ADMIN_TOKEN", async () => {
  const one = settingsFromEnv({ ADMIN_TOKEN: "shared" });
  const two = settingsFromEnv({ ADMIN_TOKEN: "shared" });
  const token = await signCustomerToken(one.authSecret, "cus_7");
  assert.equal(await verifyCustomerToken(two.authSecret, token), "cus_7");
  assert.notEqual(one.authSecret, "shared", "the admin token itself is not the signing key");
  const other = settingsFromEnv({ ADMIN_TOKEN: "another" });
  assert.equal(await verifyCustomerToken(other.authSecret, token), null);
  assert.equal(settingsFromEnv({ ADMIN_TOKEN: "shared", AUTH_SECRET: "s" }).authSecret, "s");
});
