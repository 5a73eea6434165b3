/**
 * Store conformance: the catalog (products, listings, likes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { AppError } from "../../../lib/errors.ts";
import { type NamedCase, product, takeEventData } from "./store_conformance_helpers.ts";

export const catalogCases: NamedCase[] = [
  ["createProduct() fills the defaults and getProduct() reads it back", async ({ store }) => {
    const created = await store.createProduct(product());
    assert.match(created.id, /^[A-Za-z0-9_.:-]+$/);
    assert.deepEqual(
      { ...created, id: "", created_at: "", updated_at: "" },
      {
        id: "",
        name: "Teapot",
        price: 1250,
        stock: 10,
        reserved: 0,
        sku: null,
        description: null,
        tags: [],
        featured: false,
        likes: 0,
        created_at: "",
        updated_at: "",
      },
    );
    assert.equal(created.created_at, created.updated_at);
    assert.deepEqual(await store.getProduct(created.id), created);
    assert.equal(await store.getProduct("p_missing"), null);
    assert.deepEqual(await store.ledger(created.id), {
      received: 10,
      stock: 10,
      reserved: 0,
      sold: 0,
    });
  }],

  ["createProduct() keeps money exact up to MAX_SAFE_INTEGER", async ({ store }) => {
    const created = await store.createProduct(product({ price: Number.MAX_SAFE_INTEGER }));
    assert.equal((await store.getProduct(created.id))?.price, Number.MAX_SAFE_INTEGER);
    const [saved] = await takeEventData(store);
    assert.equal((saved?.data as { price: number }).price, Number.MAX_SAFE_INTEGER);
    await store.reserve("o-big", [{ product_id: created.id, quantity: 1 }]);
    const [event] = await takeEventData(store);
    assert.deepEqual(event?.data, {
      order_id: "o-big",
      lines: [{ product_id: created.id, quantity: 1, unit_price: Number.MAX_SAFE_INTEGER }],
    });
  }],

  ["createProduct() refuses a second product with the same sku", async ({ store }) => {
    const first = await store.createProduct(product({ sku: "TEA-1", tags: ["kitchen"] }));
    await assert.rejects(
      store.createProduct(product({ sku: "TEA-1", name: "Other" })),
      (error: unknown) => error instanceof AppError && error.code === "conflict",
    );
    const page = await store.listProducts({ limit: 10 });
    assert.deepEqual(page.items.map((p) => p.id), [first.id], "nothing half-written");
    await store.deleteProduct(first.id);
    const again = await store.createProduct(product({ sku: "TEA-1" }));
    assert.equal(again.sku, "TEA-1", "a deleted product's sku is free again");
  }],

  ["listProducts() pages in creation order with a stable cursor", async ({ store }) => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await store.createProduct(product({ name: `P${i}` })));
    const first = await store.listProducts({ limit: 2 });
    assert.deepEqual(first.items.map((p) => p.name), ["P0", "P1"]);
    assert.ok(first.nextSeq !== null);
    // Deleting a product already seen must not shift the next page.
    await store.deleteProduct(made[0]!.id);
    const second = await store.listProducts({ limit: 2, afterSeq: first.nextSeq });
    assert.deepEqual(second.items.map((p) => p.name), ["P2", "P3"]);
    const third = await store.listProducts({ limit: 2, afterSeq: second.nextSeq! });
    assert.deepEqual(third.items.map((p) => p.name), ["P4"]);
    assert.equal(third.nextSeq, null);
    const exact = await store.listProducts({ limit: 4 });
    assert.equal(exact.items.length, 4);
    assert.equal(exact.nextSeq, null, "no next page when the last page is exactly full");
  }],

  [
    "listProducts() filters by tag (any case) and by text in name, description or sku",
    async ({ store }) => {
      const mug = await store.createProduct(
        product({ name: "Blue Mug", tags: ["Kitchen", "blue"], sku: "MUG-7" }),
      );
      const pot = await store.createProduct(
        product({ name: "Teapot", tags: ["kitchen"], description: "Holds a BLUE tea" }),
      );
      await store.createProduct(product({ name: "Chair", tags: ["garden"] }));
      const names = async (query: { tag?: string; q?: string }) =>
        (await store.listProducts({ limit: 10, ...query })).items.map((p) => p.name);
      assert.deepEqual(await names({ tag: "kitchen" }), ["Blue Mug", "Teapot"]);
      assert.deepEqual(await names({ tag: "KITCHEN" }), ["Blue Mug", "Teapot"]);
      assert.deepEqual(await names({ q: "blue" }), ["Blue Mug", "Teapot"]);
      assert.deepEqual(await names({ q: "mug-7" }), ["Blue Mug"]);
      assert.deepEqual(await names({ tag: "garden", q: "blue" }), []);
      assert.deepEqual(await names({ tag: "none" }), []);
      await store.updateProduct(mug.id, { tags: ["office"] });
      assert.deepEqual(await names({ tag: "kitchen" }), ["Teapot"]);
      assert.deepEqual(await names({ tag: "office" }), ["Blue Mug"]);
      await store.deleteProduct(pot.id);
      assert.deepEqual(await names({ tag: "kitchen" }), []);
      const paged = await store.listProducts({ limit: 1, q: "a" });
      assert.equal(paged.items.length, 1);
      const rest = await store.listProducts({ limit: 5, q: "a", afterSeq: paged.nextSeq! });
      assert.deepEqual(rest.items.map((p) => p.name), ["Chair"]);
    },
  ],

  ["updateProduct() changes only the given fields", async ({ store }) => {
    const created = await store.createProduct(
      product({ description: "Old", tags: ["a"], sku: "S-1" }),
    );
    const renamed = await store.updateProduct(created.id, { name: "Kettle", price: 99 });
    assert.equal(renamed?.name, "Kettle");
    assert.equal(renamed?.price, 99);
    assert.equal(renamed?.description, "Old");
    assert.deepEqual(renamed?.tags, ["a"]);
    assert.equal(renamed?.sku, "S-1");
    assert.equal(renamed?.stock, 10);
    const cleared = await store.updateProduct(created.id, { description: null, tags: [] });
    assert.equal(cleared?.description, null);
    assert.deepEqual(cleared?.tags, []);
    assert.equal(cleared?.price, 99);
    assert.deepEqual(await store.getProduct(created.id), cleared);
    assert.equal(await store.updateProduct("p_missing", { name: "X" }), null);
  }],

  ["restock() adds to stock and to what was received", async ({ store }) => {
    const created = await store.createProduct(product({ stock: 3 }));
    const restocked = await store.restock(created.id, 7);
    assert.equal(restocked?.stock, 10);
    assert.deepEqual(await store.ledger(created.id), {
      received: 10,
      stock: 10,
      reserved: 0,
      sold: 0,
    });
    assert.equal(await store.restock("p_missing", 1), null);
  }],

  ["like() counts each customer once per product", async ({ store }) => {
    const a = await store.createProduct(product());
    const b = await store.createProduct(product());
    assert.equal(await store.like(a.id, "c1"), 1);
    assert.equal(await store.like(a.id, "c1"), 1);
    assert.equal(await store.like(a.id, "c2"), 2);
    assert.equal(await store.like(b.id, "c1"), 1);
    assert.equal((await store.getProduct(a.id))?.likes, 2);
    assert.equal(await store.like("p_missing", "c1"), null);
  }],

  ["text survives the round trip: quotes, backslashes, accents and emoji", async ({ store }) => {
    const created = await store.createProduct(
      product({
        name: 'Thé "vert" \\ 🍵',
        sku: "SKU/ü:1",
        description: "Ligne 1\nLigne 2",
        tags: ["Çafé", "ÉTÉ"],
      }),
    );
    assert.deepEqual(await store.getProduct(created.id), created);
    const names = async (query: { tag?: string; q?: string }) =>
      (await store.listProducts({ limit: 10, ...query })).items.map((p) => p.id);
    assert.deepEqual(await names({ tag: "çafé" }), [created.id]);
    assert.deepEqual(await names({ tag: "été" }), [created.id]);
    assert.deepEqual(await names({ q: 'THÉ "VERT' }), [created.id]);
    assert.deepEqual(await names({ q: "sku/Ü" }), [created.id]);
    await store.reserve("ord:1.x-y_z", [{ product_id: created.id, quantity: 1 }]);
    assert.deepEqual(await takeEventData(store), [{
      type: "inventory.product_saved",
      data: {
        product_id: created.id,
        name: 'Thé "vert" \\ 🍵',
        price: 1250,
        sku: "SKU/ü:1",
        revision: 1,
        updated_at: created.updated_at,
      },
    }, {
      type: "inventory.stock_reserved",
      data: {
        order_id: "ord:1.x-y_z",
        lines: [{ product_id: created.id, quantity: 1, unit_price: 1250 }],
      },
    }]);
    await store.deleteProduct(created.id);
    assert.deepEqual(await takeEventData(store), [
      {
        type: "inventory.reservation_lost",
        data: { order_id: "ord:1.x-y_z", product_id: created.id },
      },
      { type: "inventory.product_deleted", data: { product_id: created.id } },
    ]);
  }],

  ["deleteProduct() removes it and says so on the outbox", async ({ store }) => {
    const created = await store.createProduct(product({ sku: "GONE", tags: ["x"] }));
    await store.like(created.id, "c1");
    await takeEventData(store); // its product_saved
    assert.deepEqual(await store.deleteProduct(created.id), { lost: [] });
    assert.equal(await store.getProduct(created.id), null);
    assert.equal(await store.deleteProduct(created.id), null);
    assert.deepEqual((await store.listProducts({ limit: 10 })).items, []);
    assert.deepEqual(await takeEventData(store), [
      { type: "inventory.product_deleted", data: { product_id: created.id } },
    ]);
  }],
];
