import assert from "node:assert/strict";
import { openApiDocument } from "../../../lib/openapi.ts";
import {
  ADMIN,
  customer,
  type Harness,
  harness,
  ORDER,
} from "../../../testing/modules/orders/http_harness.ts";
import { encodeCursor } from "./cursor.ts";
import { orderDocs } from "./docs.ts";

interface Page {
  items: { id: string; customer_id: string }[];
  next_cursor: string | null;
}

async function getPage(h: Harness, query: string, authorization: string): Promise<Page> {
  const response = await h.request(`/orders?${query}`, { headers: { authorization } });
  assert.equal(response.status, 200, query);
  return await response.json();
}

/** Every page from `query` on, following next_cursor; `between` runs after each page. */
async function pages(
  h: Harness,
  query: string,
  authorization: string,
  between: () => Promise<unknown> = () => Promise.resolve(),
): Promise<Page[]> {
  const all = [await getPage(h, query, authorization)];
  for (let page = all[0]!; page.next_cursor !== null; all.push(page)) {
    await between();
    page = await getPage(h, `${query}&cursor=${page.next_cursor}`, authorization);
  }
  return all;
}

async function placeMany(h: Harness, count: number, customerId = "cus_1"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await h.place({ ...ORDER, customer_id: customerId }, {
      authorization: ADMIN,
    });
    ids.push((await response.json()).id);
  }
  return ids.reverse();
}

const idsOf = (all: Page[]) => all.flatMap((page) => page.items.map((order) => order.id));

Deno.test("GET /orders pages a customer's 120 orders: 100, then 20 and no next_cursor", async () => {
  const h = await harness();
  const newestFirst = await placeMany(h, 120);
  const all = await pages(h, "customer_id=cus_1", await customer("cus_1"));
  assert.deepEqual(all.map((page) => page.items.length), [100, 20]);
  assert.match(all[0]!.next_cursor!, /^[A-Za-z0-9_-]+$/);
  assert.equal(all[1]!.next_cursor, null);
  assert.deepEqual(idsOf(all), newestFirst);
});

Deno.test("GET /orders: a page that ends the list says so (no empty page after it)", async () => {
  const h = await harness();
  const newestFirst = await placeMany(h, 6);
  const all = await pages(h, "limit=3", await customer("cus_1"));
  assert.deepEqual(all.map((page) => [page.items.length, page.next_cursor === null]), [
    [3, false],
    [3, true],
  ]);
  assert.deepEqual(idsOf(all), newestFirst);
  const one = await getPage(h, "limit=1000", await customer("cus_1"));
  assert.deepEqual([one.items.length, one.next_cursor], [6, null]);
});

Deno.test("GET /orders: orders placed between pages neither repeat nor hide older ones", async () => {
  const h = await harness();
  const newestFirst = await placeMany(h, 25);
  const all = await pages(h, "limit=10", await customer("cus_1"), () => placeMany(h, 4));
  assert.deepEqual(idsOf(all), newestFirst);
});

Deno.test("GET /orders for the admin pages the most recent orders of all customers", async () => {
  const h = await harness();
  const bob = await placeMany(h, 7, "cus_2");
  const ann = await placeMany(h, 8, "cus_1");
  const all = await pages(h, "limit=4", ADMIN, () => placeMany(h, 1, "cus_3"));
  assert.deepEqual(all.map((page) => page.items.length), [4, 4, 4, 3]);
  assert.deepEqual(idsOf(all), [...ann, ...bob]);
});

Deno.test("GET /orders with a cursor it did not write is 400 with the SPEC body", async () => {
  const h = await harness();
  await placeMany(h, 2);
  const forged = btoa("o1:12:not an id").replaceAll("=", "");
  for (const cursor of ["abc", "%%%", forged, "", "A".repeat(300)]) {
    const response = await h.request(`/orders?cursor=${cursor}`, {
      headers: { authorization: ADMIN },
    });
    assert.equal(response.status, 400, cursor);
    const body = await response.json();
    assert.equal(body.error.code, "invalid_request", cursor);
    assert.match(body.error.message, /cursor/, cursor);
  }
  const beforeAll = encodeCursor({ created: 0, id: "ord_0" });
  assert.deepEqual(await getPage(h, `cursor=${beforeAll}`, ADMIN), {
    items: [],
    next_cursor: null,
  });
});

Deno.test("/openapi.json documents GET /orders' limit, cursor and next_cursor", () => {
  const doc = openApiDocument(orderDocs, "test") as {
    paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: object }>>;
  };
  const list = doc.paths["/orders"]!["get"]!;
  assert.deepEqual(list.parameters?.map((p) => p.name), [
    "customer_id",
    "status",
    "limit",
    "cursor",
  ]);
  assert.match(JSON.stringify(list.responses), /"next_cursor"/);
  assert.match(JSON.stringify(list.parameters), /"maximum":1000/);
});
