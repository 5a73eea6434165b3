/**
 * The customer side of the accounts store suite: password hashes and
 * sign-in lookups, the admin's customer listing, and the failed sign-in
 * counters. Run by `conformance.ts` for every store.
 *
 * @module
 */
import assert from "node:assert/strict";
import { outboxEvent } from "../../../lib/outbox.ts";
import { type OpenedStore, storeCase, type StoreHarness } from "../../store_suite.ts";
import { waitFor } from "../../wait.ts";
import { customerRegistered } from "../../../modules/accounts/events.ts";
import type { AccountsStore } from "../../../modules/accounts/store/types.ts";
import type { CustomerPosition } from "../../../modules/accounts/domain/types.ts";

const HASH = "scrypt$131072$8$1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U";

async function create(
  store: AccountsStore,
  id: string,
  fields: { name?: string; email?: string; at?: string; password_hash?: string } = {},
) {
  const email = fields.email ?? `${id}@example.com`;
  const name = fields.name ?? "Ada";
  return await store.createCustomer(
    {
      id,
      name,
      email,
      created_at: fields.at ?? "2030-01-01T00:00:00.000Z",
      deposits: [],
      ...(fields.password_hash ? { password_hash: fields.password_hash } : {}),
    },
    outboxEvent("accounts", customerRegistered, { customer_id: id, name, email }),
  );
}

/** Every page of a listing, as ids per page. */
async function pages(store: AccountsStore, limit: number, q?: string): Promise<string[][]> {
  const all: string[][] = [];
  let after: CustomerPosition | null = null;
  do {
    const page = await store.listCustomers({ q, limit, after });
    all.push(page.customers.map((c) => c.id));
    after = page.next;
    assert.ok(all.length < 100, "the listing ends");
  } while (after);
  return all;
}

export function runCustomerConformance(harness: StoreHarness<OpenedStore<AccountsStore>>): void {
  const test = (name: string, fn: (store: AccountsStore) => Promise<void>) =>
    storeCase(harness, `${harness.name} accounts store: ${name}`, ({ store }) => fn(store));

  test("credentials() finds a customer by email, whatever its case, with its hash", async (store) => {
    const ada = await create(store, "cus_ada", { email: "Ada@Example.com", password_hash: HASH });
    assert.deepEqual(Object.keys(ada).sort(), ["balance", "created_at", "email", "id", "name"]);
    await create(store, "cus_bob", { email: "bob@example.com" });
    const found = await store.credentials("ada@EXAMPLE.com");
    assert.deepEqual(found, { customer: ada, password_hash: HASH });
    assert.deepEqual(await store.credentials("bob@example.com"), {
      customer: await store.customer("cus_bob"),
      password_hash: null,
    });
    assert.equal(await store.credentials("nobody@example.com"), null);
    // The hash is the store's alone: no customer read carries it.
    assert.deepEqual(
      Object.keys((await store.customer("cus_ada"))!).sort(),
      Object.keys(ada).sort(),
    );
    const listed = await store.listCustomers({ limit: 10, after: null });
    assert.ok(listed.customers.every((c) => !("password_hash" in c)));
  });

  test("listCustomers() pages newest first, equal times by id, and ends", async (store) => {
    const times = ["2030-01-01", "2030-01-03", "2030-01-02", "2030-01-03", "2030-01-04"];
    for (const [i, day] of times.entries()) {
      await create(store, `cus_${i}`, { at: `${day}T00:00:00.000Z` });
    }
    assert.deepEqual(await pages(store, 2), [["cus_4", "cus_3"], ["cus_1", "cus_2"], ["cus_0"]]);
    assert.deepEqual(await pages(store, 5), [["cus_4", "cus_3", "cus_1", "cus_2", "cus_0"]]);
    assert.deepEqual(await pages(store, 100), [["cus_4", "cus_3", "cus_1", "cus_2", "cus_0"]]);
    // A customer who signs up meanwhile does not shift the pages after a position.
    const first = await store.listCustomers({ limit: 2, after: null });
    await create(store, "cus_new", { at: "2030-02-01T00:00:00.000Z" });
    const second = await store.listCustomers({ limit: 2, after: first.next });
    assert.deepEqual(second.customers.map((c) => c.id), ["cus_1", "cus_2"]);
    assert.deepEqual(await store.listCustomers({ limit: 3, after: null, q: "nobody" }), {
      customers: [],
      next: null,
    });
  });

  test("listCustomers() filters by a substring of the name or email, any case", async (store) => {
    const people = [["Ada Lovelace", "ada@math.org"], ["Grace Hopper", "grace@navy.mil"], [
      "Alan Turing",
      "alan@math.org",
    ], ["Katherine Johnson", "kj@nasa.gov"]];
    for (const [i, [name, email]] of people.entries()) {
      await create(store, `cus_${i}`, { name, email, at: `2030-01-0${i + 1}T00:00:00.000Z` });
    }
    assert.deepEqual(await pages(store, 10, "MATH.org"), [["cus_2", "cus_0"]]);
    assert.deepEqual(await pages(store, 1, "a"), [["cus_3"], ["cus_2"], ["cus_1"], ["cus_0"]]);
    assert.deepEqual(await pages(store, 10, "hopp"), [["cus_1"]]);
    assert.deepEqual(await pages(store, 1, "math"), [["cus_2"], ["cus_0"]]);
  });

  test("signIns counts failures per key and refuses past the limit until the window ends", async (store) => {
    const limit = { limit: 3, windowMs: 400 };
    const keys = ["email:ada@example.com", "addr:10.0.0.1"];
    for (let i = 0; i < 3; i++) assert.equal(await store.signIns.claim(keys, limit), null);
    const wait = await store.signIns.claim(keys, limit);
    assert.ok(wait !== null && wait > 0 && wait <= 400, `waits within the window: ${wait}`);
    // One key over its limit refuses the attempt, and counts nothing on the other.
    const other = ["email:bob@example.com", "addr:10.0.0.1"];
    assert.ok(await store.signIns.claim(other, limit));
    for (let i = 0; i < 3; i++) {
      assert.equal(await store.signIns.claim(["email:bob@example.com"], limit), null, `bob ${i}`);
    }
    assert.ok(await store.signIns.claim(["email:bob@example.com"], limit), "bob is at the limit");
    await waitFor(async () => (await store.signIns.claim(keys, limit)) === null, {
      timeoutMs: 3_000,
    });
  });

  test("signIns.forgive() hands back what a successful attempt claimed", async (store) => {
    const limit = { limit: 2, windowMs: 60_000 };
    const keys = ["email:cy@example.com"];
    for (let i = 0; i < 5; i++) {
      assert.equal(await store.signIns.claim(keys, limit), null, `success ${i}`);
      await store.signIns.forgive(keys);
    }
    assert.equal(await store.signIns.claim(keys, limit), null);
    assert.equal(await store.signIns.claim(keys, limit), null);
    assert.ok(await store.signIns.claim(keys, limit));
    // Forgiving a key that has no window creates none (nor a negative count).
    await store.signIns.forgive(["email:nobody@example.com"]);
    assert.equal(await store.signIns.claim(["email:nobody@example.com"], limit), null);
    assert.equal(await store.signIns.claim(["email:nobody@example.com"], limit), null);
    assert.ok(await store.signIns.claim(["email:nobody@example.com"], limit));
  });

  test("signIns lets no more than the limit through, however many race", async (store) => {
    const limit = { limit: 5, windowMs: 60_000 };
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => store.signIns.claim(["addr:203.0.113.9"], limit)),
    );
    assert.equal(outcomes.filter((o) => o === null).length, 5);
  });
}
