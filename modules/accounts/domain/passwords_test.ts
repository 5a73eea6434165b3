import assert from "node:assert/strict";
import { hashPassword, OWASP_SCRYPT, verifyNothing, verifyPassword } from "./passwords.ts";

Deno.test("hashPassword() at OWASP's cost: not the password, salted, and verifiable", async () => {
  const password = "correct horse battery";
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const [one, two] = await Promise.all([hashPassword(password), hashPassword(password)]);
  clearInterval(timer);
  assert.ok(ticks > 3, `the event loop ran while hashing (${ticks} ticks)`);
  assert.match(one, /^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.equal(one.includes(password), false);
  assert.notEqual(one, two, "a fresh salt every time");
  assert.equal(await verifyPassword(password, one), true);
  assert.equal(await verifyPassword(password, two), true);
  assert.equal(await verifyPassword("correct horse batterY", one), false);
  assert.deepEqual(OWASP_SCRYPT, { N: 2 ** 17, r: 8, p: 1 });
});

Deno.test("verifyPassword() reads the cost from the hash and refuses what it cannot trust", async () => {
  const cheap = { N: 2 ** 10, r: 8, p: 1 };
  // Composed and decomposed "é" are one password.
  const stored = await hashPassword("caf\u00e9 au lait", cheap);
  assert.match(stored, /^scrypt\$1024\$8\$1\$/);
  assert.equal(await verifyPassword("cafe\u0301 au lait", stored), true);
  const [, , , , salt, key] = stored.split("$");
  const refused = [
    "",
    "plain text",
    stored.replace("scrypt$", "bcrypt$"),
    `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two
    `scrypt$${2 ** 22}$8$1$${salt}$${key}`, // far past the cost we accept
    `scrypt$1024$8$1$c2hvcnQ$${key}`, // salt too short
    `scrypt$1024$8$1$${salt}$${key!.slice(0, 10)}`, // key too short
    `scrypt$1024$8$1$${salt}$${key}$extra`,
  ];
  for (const bad of refused) assert.equal(await verifyPassword("café au lait", bad), false, bad);
  assert.equal(await verifyNothing("café au lait", cheap), false);
});
