import assert from "node:assert/strict";
import type { StoreKind } from "../../../lib/module.ts";
import { issueToken, signCustomerToken } from "../../../lib/auth.ts";
import type { Settings } from "../../../lib/settings.ts";
import { delay, waitFor } from "../../../testing/wait.ts";
import {
  type AccountsApp,
  redisUrl,
  withAccountsApp,
} from "../../../testing/modules/accounts/http_harness.ts";

const PASSWORD = "correct horse battery";

function assertError(reply: { status: number; json: unknown }, status: number, code: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.json));
  const error = (reply.json as { error?: { code?: string; message?: string } }).error;
  assert.equal(error?.code, code);
  assert.ok(error?.message, "the error says what went wrong");
  return error!.message!;
}

const signIn = (a: AccountsApp, email: string, password: string, from = "192.0.2.1") =>
  a.call("POST", "/accounts/sessions", { body: { email, password }, from });

for (const kind of ["memory", "redis"] as const satisfies StoreKind[]) {
  const test = (
    name: string,
    fn: (a: AccountsApp) => Promise<void>,
    settings: Partial<Settings> = {},
  ) =>
    Deno.test({
      name: `accounts sessions on a ${kind} store: ${name}`,
      ignore: kind === "redis" && !redisUrl,
      fn: () => withAccountsApp(kind, settings, fn),
    });

  test("sign-up with a password sets the cookie; signing in again answers a token", async (a) => {
    const signup = await a.call("POST", "/accounts/customers", {
      body: { name: "Ada", email: "Ada@Example.com", password: PASSWORD },
    });
    assert.equal(signup.status, 201);
    assert.deepEqual(Object.keys(signup.json).sort(), ["balance", "email", "id", "name", "token"]);
    assert.equal(signup.cookie, signup.json.token, "the cookie holds the token sign-up returned");
    assert.match(
      signup.headers.get("set-cookie")!,
      /^bazaar_session=[^;]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const current = await a.call("GET", "/accounts/sessions/current", { cookie: signup.cookie });
    assert.equal(current.status, 200);
    assert.deepEqual(
      { ...current.json, expires_at: undefined },
      { customer_id: signup.json.id, name: "Ada", email: "Ada@Example.com", expires_at: undefined },
    );
    const inAWeek = Date.now() + 604_800_000;
    assert.ok(Math.abs(Date.parse(current.json.expires_at) - inAWeek) < 5_000);

    const session = await signIn(a, " ada@EXAMPLE.com ", PASSWORD);
    assert.equal(session.status, 200, JSON.stringify(session.json));
    assert.deepEqual(Object.keys(session.json).sort(), ["customer_id", "expires_at", "token"]);
    assert.equal(session.json.customer_id, signup.json.id);
    assert.equal(session.cookie, session.json.token);
    assert.ok(Math.abs(Date.parse(session.json.expires_at) - inAWeek) < 5_000);
    for (const credential of [{ token: session.json.token }, { cookie: session.cookie }]) {
      const own = await a.call("GET", `/accounts/customers/${signup.json.id}`, credential);
      assert.equal(own.status, 200);
      assert.equal(JSON.stringify(own.json).includes("scrypt"), false, "no hash in the record");
    }
    // Stored as a salted hash only: not the password, and another for the same password.
    await a.signUp("Twin", PASSWORD);
    const [ada, twin] = await Promise.all(
      ["ada@example.com", "twin@example.com"].map((email) => a.store.credentials(email)),
    );
    assert.match(ada!.password_hash!, /^scrypt\$/);
    assert.equal(ada!.password_hash!.includes(PASSWORD), false);
    assert.notEqual(ada!.password_hash, twin!.password_hash);
    // The admin opening an account keeps its own session: no customer cookie.
    const opened = await a.call("POST", "/accounts/customers", {
      token: a.admin,
      body: { name: "Bob", email: "bob@example.com", balance: 10 },
    });
    assert.equal(opened.status, 201);
    assert.equal(opened.cookie, undefined);
  });

  test("wrong password, unknown email and no password all answer one 401", async (a) => {
    await a.signUp("Ada", PASSWORD);
    await a.signUp("Nopass");
    const messages = new Set<string>();
    for (
      const [email, password] of [
        ["ada@example.com", "wrong password"],
        ["nobody@example.com", PASSWORD],
        ["nopass@example.com", PASSWORD],
        ["ada@example.com", PASSWORD.toUpperCase()],
      ]
    ) {
      const reply = await signIn(a, email!, password!);
      messages.add(assertError(reply, 401, "unauthorized"));
      assert.equal(reply.cookie, undefined);
    }
    assert.equal(messages.size, 1, `one message: ${[...messages]}`);
  });

  test("sign-up and sign-in refuse bad passwords and bodies with 400", async (a) => {
    for (const password of ["short", "x".repeat(257), 12345678, null]) {
      const reply = await a.call("POST", "/accounts/customers", {
        body: { name: "X", email: "x@example.com", password },
      });
      assertError(reply, 400, "invalid_request");
    }
    assert.equal(await a.store.credentials("x@example.com"), null, "nothing stored");
    for (
      const body of [{ email: "a@example.com" }, { password: "p" }, {
        email: "a@example.com",
        password: "",
      }, { email: "a@example.com", password: "x", remember: true }]
    ) {
      assertError(await a.call("POST", "/accounts/sessions", { body }), 400, "invalid_request");
    }
    const long = await a.call("POST", "/accounts/customers", {
      body: { name: "Long", email: "long@example.com", password: "é".repeat(256) },
    });
    assert.equal(long.status, 201);
    assert.equal((await signIn(a, "long@example.com", "é".repeat(256))).status, 200);
  });

  test("the 6th failure for one email is 429 with Retry-After, the right password too", async (a) => {
    await a.signUp("Ada", PASSWORD);
    for (let i = 0; i < 5; i++) {
      // From five addresses: the email's own count is what stops the sixth.
      assertError(
        await signIn(a, "ada@example.com", "nope nope", `198.51.100.${i}`),
        401,
        "unauthorized",
      );
    }
    const limited = await signIn(a, "ADA@example.com", "nope nope", "198.51.100.77");
    assertError(limited, 429, "too_many_requests");
    const retry = Number(limited.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    const right = await signIn(a, "ada@example.com", PASSWORD, "198.51.100.78");
    assertError(right, 429, "too_many_requests");
    assert.equal(right.cookie, undefined);
    // Another email from those addresses is not limited.
    await a.signUp("Bob", PASSWORD);
    assert.equal((await signIn(a, "bob@example.com", PASSWORD, "198.51.100.1")).status, 200);
  });

  test("the 6th failure from one address is 429, whatever the email", async (a) => {
    await a.signUp("Ada", PASSWORD);
    for (let i = 0; i < 5; i++) {
      assertError(
        await signIn(a, `guess${i}@example.com`, PASSWORD, "203.0.113.5"),
        401,
        "unauthorized",
      );
    }
    assertError(
      await signIn(a, "ada@example.com", PASSWORD, "203.0.113.5"),
      429,
      "too_many_requests",
    );
    assert.equal((await signIn(a, "ada@example.com", PASSWORD, "203.0.113.6")).status, 200);
  });

  test("a success hands its attempt back, and the limit ends with its window", async (a) => {
    await a.signUp("Ada", PASSWORD);
    for (let i = 0; i < 4; i++) await signIn(a, "ada@example.com", "nope nope");
    for (let i = 0; i < 3; i++) {
      assert.equal((await signIn(a, "ada@example.com", PASSWORD)).status, 200);
    }
    assert.equal((await signIn(a, "ada@example.com", "nope nope")).status, 401, "the 5th failure");
    assertError(await signIn(a, "ada@example.com", PASSWORD), 429, "too_many_requests");
    const back = await waitFor(async () => {
      const reply = await signIn(a, "ada@example.com", PASSWORD);
      return reply.status === 200 ? reply : null;
    }, { timeoutMs: 5_000, intervalMs: 100 });
    assert.ok(back.json.token);
  }, { signinWindowS: 1 });

  test("an expired or tampered token is a 401, as a cookie and as a bearer", async (a) => {
    const { id } = await a.signUp("Ada", PASSWORD);
    const expired = await signCustomerToken(a.settings.authSecret, id, 60, Date.now() - 120_000);
    const signedIn = await signIn(a, "ada@example.com", PASSWORD);
    const token: string = signedIn.json.token;
    const [header, payload, signature] = token.split(".");
    const otherPayload = btoa(JSON.stringify({ ...JSON.parse(atob(payload!)), sub: "cus_other" }))
      .replace(/=+$/, "");
    const tampered = [
      `${header}.${otherPayload}.${signature}`,
      `${header}.${payload}.${signature!.slice(0, -2)}AA`,
      await signCustomerToken("another secret", id),
      expired,
    ];
    for (const bad of tampered) {
      assertError(
        await a.call("GET", `/accounts/customers/${id}`, { token: bad }),
        401,
        "unauthorized",
      );
      assertError(
        await a.call("GET", "/accounts/sessions/current", { cookie: bad }),
        401,
        "unauthorized",
      );
    }
    assertError(await a.call("GET", "/accounts/sessions/current"), 401, "unauthorized");
    // TTL_S of 1: the token the sign-in hands out stops working a second or two later.
    const short = await signIn(a, "ada@example.com", PASSWORD);
    assert.match(short.headers.get("set-cookie")!, /Max-Age=[01];/);
    await waitFor(
      async () =>
        (await a.call("GET", "/accounts/sessions/current", { token: short.json.token })).status ===
          401,
      { timeoutMs: 5_000, intervalMs: 100 },
    );
  }, { tokenTtlS: 1 });

  test("the cookie writes from its own origin only; a bearer needs no Origin", async (a) => {
    const { id, token } = await a.signUp("Ada", PASSWORD);
    const admin = (await issueToken(a.settings.authSecret, { kind: "admin" }, 60)).token;
    const deposit = (options: Parameters<AccountsApp["call"]>[2]) =>
      a.call("POST", `/accounts/customers/${id}/deposits`, { ...options, body: { amount: 5 } });
    assert.equal((await deposit({ cookie: admin })).status, 200, "same origin");
    assertError(await deposit({ cookie: admin, origin: "http://evil.test" }), 403, "forbidden");
    assertError(await deposit({ cookie: admin, origin: null }), 403, "forbidden");
    assert.equal((await deposit({ token: a.admin })).status, 200, "bearer, no Origin");
    const ledger = await a.call("GET", `/accounts/customers/${id}/ledger`, { cookie: token });
    assert.deepEqual(ledger.json.items.map((e: { amount: number }) => e.amount), [5, 5]);
    // A cross-site sign-up riding the cookie creates no one.
    const forged = await a.call("POST", "/accounts/customers", {
      cookie: token,
      origin: "http://evil.test",
      body: { name: "Eve", email: "eve@example.com" },
    });
    assertError(forged, 403, "forbidden");
    assert.equal(await a.store.credentials("eve@example.com"), null);
  });

  test("a customer cookie reaches its own records only; an admin cookie reaches admin routes", async (a) => {
    const ada = await a.signUp("Ada", PASSWORD);
    const bob = await a.signUp("Bob", PASSWORD);
    const admin = (await issueToken(a.settings.authSecret, { kind: "admin" }, 60)).token;
    assert.equal(
      (await a.call("GET", `/accounts/customers/${ada.id}`, { cookie: ada.token })).status,
      200,
    );
    assertError(
      await a.call("GET", `/accounts/customers/${bob.id}`, { cookie: ada.token }),
      403,
      "forbidden",
    );
    assertError(
      await a.call("GET", "/accounts/customers", { cookie: ada.token }),
      403,
      "forbidden",
    );
    assertError(
      await a.call("POST", `/accounts/customers/${ada.id}/deposits`, {
        cookie: ada.token,
        body: { amount: 1 },
      }),
      403,
      "forbidden",
    );
    const listed = await a.call("GET", "/accounts/customers", { cookie: admin });
    assert.equal(listed.status, 200);
    assert.equal(listed.json.items.length, 2);
    assertError(
      await a.call("GET", "/accounts/sessions/current", { cookie: admin }),
      401,
      "unauthorized",
    );
  });

  test("sign-out clears the cookie", async (a) => {
    const { token } = await a.signUp("Ada", PASSWORD);
    const out = await a.call("DELETE", "/accounts/sessions", { cookie: token });
    assert.equal(out.status, 204);
    assert.equal(out.cookie, "");
    assert.match(out.headers.get("set-cookie")!, /Max-Age=0; Path=\/; HttpOnly; SameSite=Lax/);
    assert.equal((await a.call("DELETE", "/accounts/sessions")).status, 204, "signed out already");
    assertError(
      await a.call("DELETE", "/accounts/sessions", { cookie: token, origin: "http://evil.test" }),
      403,
      "forbidden",
    );
  });

  test("GET /accounts/customers pages with a cursor and filters by q (admin only)", async (a) => {
    const names = [
      "Ada Lovelace",
      "Grace Hopper",
      "Alan Turing",
      "Barbara Liskov",
      "Edsger Dijkstra",
    ];
    const ids: string[] = [];
    for (const name of names) {
      const reply = await a.call("POST", "/accounts/customers", {
        token: a.admin,
        body: { name, email: `${name.split(" ")[0]!.toLowerCase()}@example.com`, balance: 1 },
      });
      ids.push(reply.json.id);
      // Apart in time, so newest first is this loop backwards.
      await delay(2);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await a.call("GET", `/accounts/customers${query}`, { token: a.admin });
      assert.equal(page.status, 200, JSON.stringify(page.json));
      assert.ok(page.json.items.length <= 2);
      for (const item of page.json.items) {
        assert.deepEqual(Object.keys(item).sort(), ["balance", "email", "id", "name"]);
        seen.push(item.id);
      }
      cursor = page.json.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    const search = await a.call("GET", "/accounts/customers?q=LA", { token: a.admin });
    assert.deepEqual(search.json.items.map((c: { name: string }) => c.name), [
      "Alan Turing",
      "Ada Lovelace",
    ]);
    assert.equal(search.json.next_cursor, null);
    const byEmail = await a.call("GET", "/accounts/customers?q=grace%40", { token: a.admin });
    assert.deepEqual(byEmail.json.items.map((c: { name: string }) => c.name), ["Grace Hopper"]);
    const paged = await a.call("GET", "/accounts/customers?q=a&limit=3", { token: a.admin });
    assert.equal(paged.json.items.length, 3);
    const rest = await a.call(
      "GET",
      `/accounts/customers?q=a&limit=3&cursor=${paged.json.next_cursor}`,
      { token: a.admin },
    );
    assert.equal(paged.json.items.length + rest.json.items.length, 5);
    assert.equal(rest.json.next_cursor, null);
    for (const query of ["?limit=0", "?limit=1001", "?cursor=nope", "?cursor=", "?other=1"]) {
      assertError(
        await a.call("GET", `/accounts/customers${query}`, { token: a.admin }),
        400,
        "invalid_request",
      );
    }
    assertError(await a.call("GET", "/accounts/customers"), 401, "unauthorized");
  });
}
