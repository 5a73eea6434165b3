import assert from "node:assert/strict";
import { principalOf, signCustomerToken, verifyCustomerToken } from "./auth.ts";
import { testSettings } from "./settings.ts";

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
