import assert from "node:assert/strict";
import { Hono } from "hono";
import { sign } from "hono/jwt";
import {
  clientAddress,
  Guard,
  issueToken,
  principalOf,
  requireSameOriginForCookies,
  SESSION_COOKIE,
  setSessionCookie,
  signCustomerToken,
  verifyToken,
} from "./auth.ts";
import { installErrorHandling } from "./http.ts";
import { settingsFromEnv, testSettings } from "./settings.ts";

const customerOf = async (secret: string, token: string) => {
  const principal = (await verifyToken(secret, token))?.principal;
  return principal?.kind === "customer" ? principal.customerId : null;
};

Deno.test("signCustomerToken() makes an HS256 JWT {sub, iat, exp} that expires after its TTL", async () => {
  const now = Date.UTC(2030, 0, 1);
  const token = await signCustomerToken("secret", "cus_42", 3_600, now);
  const [header, payload] = token.split(".").slice(0, 2).map((part) =>
    JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(part, { alphabet: "base64url" })))
  );
  assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
  assert.deepEqual(payload, { sub: "cus_42", iat: now / 1_000, exp: now / 1_000 + 3_600 });
  // Issued in 2030: not valid yet here (iat beyond the allowed clock skew).
  assert.equal(await verifyToken("secret", token), null);
  const fresh = await issueToken("secret", { kind: "customer", customerId: "cus_42" }, 60);
  assert.deepEqual(await verifyToken("secret", fresh.token), {
    principal: { kind: "customer", customerId: "cus_42" },
    expiresAt: fresh.expiresAt,
  });
  const past = await signCustomerToken("secret", "cus_42", 60, Date.now() - 61_000);
  assert.equal(await verifyToken("secret", past), null, "expired");
});

Deno.test("verifyToken() refuses another secret and every one-character change", async () => {
  const token = await signCustomerToken("secret", "cus_42");
  assert.equal(await customerOf("secret", token), "cus_42");
  assert.equal(await verifyToken("other-secret", token), null);
  const replacements = ["A", "B", "a", "0", "_", "-"];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === ".") continue;
    for (const c of replacements) {
      if (c === token[i]) continue;
      const forged = token.slice(0, i) + c + token.slice(i + 1);
      assert.equal(await verifyToken("secret", forged), null, `forged at ${i}: ${forged}`);
    }
  }
  assert.equal(await verifyToken("secret", `${token}=`), null, "padding");
  assert.equal(await verifyToken("secret", `${token}.x`), null);
});

Deno.test("verifyToken() remembers a good token only until it expires", async () => {
  const { token, expiresAt } = await issueToken("secret", { kind: "admin" }, 1);
  assert.deepEqual((await verifyToken("secret", token))?.principal, { kind: "admin" });
  assert.deepEqual((await verifyToken("secret", token))?.principal, { kind: "admin" }, "again");
  await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 10));
  assert.equal(await verifyToken("secret", token), null, "expired while remembered");
});

Deno.test("verifyToken() refuses claims we never issue", async () => {
  const iat = Math.floor(Date.now() / 1_000);
  const refused: Record<string, unknown>[] = [
    { sub: "cus_1", iat },
    { sub: "cus_1", exp: iat + 60 },
    { iat, exp: iat + 60 },
    { sub: "cus_1", iat, exp: "soon" },
    { sub: "cus 1", iat, exp: iat + 60 },
    { sub: "cus_1", role: "admin", iat, exp: iat + 60 },
    { sub: "admin", role: "root", iat, exp: iat + 60 },
  ];
  for (const claims of refused) {
    const token = await sign(claims, "secret", "HS256");
    assert.equal(await verifyToken("secret", token), null, JSON.stringify(claims));
  }
  const hs512 = await sign({ sub: "cus_1", iat, exp: iat + 60 }, "secret", "HS512");
  assert.equal(await verifyToken("secret", hs512), null, "another algorithm");
  const unsigned = `${btoa('{"alg":"none"}')}.${btoa(`{"sub":"cus_1","exp":${iat + 60}}`)}.`;
  assert.equal(await verifyToken("secret", unsigned), null, "alg none");
  const admin = await issueToken("secret", { kind: "admin" }, 60);
  assert.deepEqual((await verifyToken("secret", admin.token))?.principal, { kind: "admin" });
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
  assert.equal(await customerOf(two.authSecret, token), "cus_7");
  assert.notEqual(one.authSecret, "shared", "the admin token itself is not the signing key");
  const other = settingsFromEnv({ ADMIN_TOKEN: "another" });
  assert.equal(await verifyToken(other.authSecret, token), null);
  assert.equal(settingsFromEnv({ ADMIN_TOKEN: "shared", AUTH_SECRET: "s" }).authSecret, "s");
  assert.deepEqual(
    [one.tokenTtlS, one.signinFailureLimit, one.signinWindowS],
    [604_800, 5, 60],
  );
  const set = settingsFromEnv({
    TOKEN_TTL_S: "1",
    SIGNIN_FAILURE_LIMIT: "9",
    SIGNIN_WINDOW_S: "2",
  });
  assert.deepEqual([set.tokenTtlS, set.signinFailureLimit, set.signinWindowS], [1, 9, 2]);
  for (const env of [{ TOKEN_TTL_S: "0" }, { TOKEN_TTL_S: "40000000" }, { SIGNIN_WINDOW_S: "x" }]) {
    assert.throws(() => settingsFromEnv(env), JSON.stringify(env));
  }
});

/** An app whose routes say who called, behind the Origin check, as a process has it. */
function guardedApp() {
  const settings = testSettings();
  const guard = new Guard(settings);
  const app = new Hono();
  installErrorHandling(app, (error) => {
    throw error;
  });
  app.use("*", requireSameOriginForCookies());
  let writes = 0;
  app.get("/who", async (c) => c.json(await guard.caller(c)));
  app.get("/maybe", async (c) => c.json(await guard.optionalCaller(c)));
  app.post("/write", async (c) => {
    await guard.caller(c);
    writes++;
    return c.json({ writes });
  });
  app.get("/cookie", (c) => {
    setSessionCookie(c, "t", 60);
    return c.body(null, 204);
  });
  app.get("/address", (c) => c.text(clientAddress(c)));
  return { app, settings, writes: () => writes };
}

const cookie = (token: string) => ({ cookie: `${SESSION_COOKIE}=${token}` });

Deno.test("Guard takes the bearer header first, else the session cookie", async () => {
  const { app, settings } = guardedApp();
  const ada = await signCustomerToken(settings.authSecret, "cus_ada");
  const bob = await signCustomerToken(settings.authSecret, "cus_bob");
  const admin = (await issueToken(settings.authSecret, { kind: "admin" }, 60)).token;
  const who = async (headers: Record<string, string>) => {
    const response = await app.request("/who", { headers });
    return response.status === 200 ? await response.json() : response.status;
  };
  assert.deepEqual(await who(cookie(ada)), { kind: "customer", customerId: "cus_ada" });
  assert.deepEqual(await who(cookie(admin)), { kind: "admin" });
  assert.deepEqual(await who({ ...cookie(ada), authorization: `Bearer ${bob}` }), {
    kind: "customer",
    customerId: "cus_bob",
  });
  assert.equal(await who({ ...cookie(ada), authorization: "Bearer junk" }), 401);
  // The static admin token is for the header only: a cookie holds tokens we issued.
  assert.equal(await who(cookie(settings.adminToken!)), 401);
  assert.equal(await who(cookie(`${ada}x`)), 401);
  assert.equal(await who({}), 401);
  const maybe = async (headers: Record<string, string>) =>
    (await app.request("/maybe", { headers })).json();
  assert.equal(await maybe(cookie("stale")), null, "a stale cookie is no one");
  assert.deepEqual(await maybe(cookie(ada)), { kind: "customer", customerId: "cus_ada" });
  assert.equal(
    (await app.request("/maybe", { headers: { authorization: "Bearer x" } })).status,
    401,
  );
});

Deno.test("requireSameOriginForCookies() refuses a cookie write from another origin, before any handler", async () => {
  const { app, settings, writes } = guardedApp();
  const ada = await signCustomerToken(settings.authSecret, "cus_ada");
  const post = (headers: Record<string, string>, url = "http://shop.test/write") =>
    app.request(url, { method: "POST", headers });
  assert.equal((await post({ ...cookie(ada), origin: "http://shop.test" })).status, 200);
  assert.equal(writes(), 1);
  for (const origin of ["http://evil.test", "https://shop.test", "null", "http://shop.test.evil"]) {
    const response = await post({ ...cookie(ada), origin });
    assert.equal(response.status, 403, origin);
    assert.match((await response.json()).error.message, /not this site/);
  }
  const none = await post(cookie(ada));
  assert.equal(none.status, 403);
  assert.match((await none.json()).error.message, /Origin header/);
  // Even a cookie that does not verify is checked first: nothing runs.
  assert.equal((await post(cookie("junk"))).status, 403);
  assert.equal(writes(), 1, "no refused request reached the handler");
  // A bearer token is never sent by a browser on its own: no Origin needed.
  assert.equal((await post({ ...cookie(ada), authorization: `Bearer ${ada}` })).status, 200);
  assert.equal((await post({ authorization: `Bearer ${ada}` })).status, 200);
  // Reads need no Origin.
  assert.equal((await app.request("/who", { headers: cookie(ada) })).status, 200);
  // Behind the gateway: the origin the browser saw, from X-Forwarded-Proto and -Host.
  const proxied = await post({
    ...cookie(ada),
    origin: "https://shop.example:8443",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "shop.example:8443",
  }, "http://accounts:8000/write");
  assert.equal(proxied.status, 200);
  const defaultPort = await post({
    ...cookie(ada),
    origin: "https://shop.example",
    "x-forwarded-proto": "https",
    host: "shop.example:443",
  }, "http://accounts:8000/write");
  assert.equal(defaultPort.status, 200);
});

Deno.test("setSessionCookie() sets HttpOnly, SameSite=Lax, Path=/, Max-Age, and Secure over https", async () => {
  const { app } = guardedApp();
  const plain = (await app.request("http://shop.test/cookie")).headers.get("set-cookie") ?? "";
  assert.equal(plain, `${SESSION_COOKIE}=t; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`);
  const proxied = await app.request("http://shop.test/cookie", {
    headers: { "x-forwarded-proto": "https" },
  });
  assert.match(proxied.headers.get("set-cookie") ?? "", /; Secure/);
  const direct = await app.request("https://shop.test/cookie");
  assert.match(direct.headers.get("set-cookie") ?? "", /; Secure/);
});

Deno.test("clientAddress() is the address the gateway saw, else the connection's", async () => {
  const { app } = guardedApp();
  const address = async (headers: Record<string, string>, env?: unknown) =>
    await (await app.request("/address", { headers }, env)).text();
  assert.equal(await address({ "x-forwarded-for": "198.51.100.7" }), "198.51.100.7");
  assert.equal(
    await address({ "x-forwarded-for": "1.2.3.4, 198.51.100.7" }),
    "198.51.100.7",
    "what the client wrote before the gateway's entry does not count",
  );
  assert.equal(await address({}, { remoteAddr: { hostname: "192.0.2.1" } }), "192.0.2.1");
  assert.equal(await address({}), "unknown");
});
