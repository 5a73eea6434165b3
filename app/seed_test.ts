import assert from "node:assert/strict";
import { startSystem } from "../testing/system.ts";
import { demoPassword, seedDemo } from "./seed.ts";

Deno.test("demoPassword() takes DEMO_PASSWORD when it is valid, else makes a random one", () => {
  assert.equal(demoPassword({ DEMO_PASSWORD: "open sesame" }), "open sesame");
  const random = demoPassword({ DEMO_PASSWORD: "short" });
  assert.ok(random.length >= 8);
  assert.notEqual(random, demoPassword({}), "a new one each run");
});

Deno.test("--seed-demo prints working JWTs and a password that signs the customers in", async () => {
  const system = await startSystem("memory");
  try {
    const lines: string[] = [];
    await seedDemo(system.process.app, system.settings, (line) => lines.push(line), "demo pass 1");
    const customers = lines.filter((line) => line.startsWith("customer "));
    assert.equal(customers.length, 2, lines.join("\n"));
    for (const line of customers) {
      const match = /^customer (\S+) .* sign in: (\S+) \/ demo pass 1 {2}token: (\S+)$/.exec(line);
      assert.ok(match, line);
      const [, id, email, token] = match;
      assert.match(token!, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      const own = await system.call("GET", `/accounts/customers/${id}`, { token });
      assert.equal(own.status, 200);
      const signIn = await system.call("POST", "/accounts/sessions", {
        body: { email, password: "demo pass 1" },
      });
      assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
      assert.equal(signIn.body.customer_id, id);
    }
  } finally {
    await system.stop();
  }
});
