/**
 * Store conformance: what the shop front finds products by — the featured
 * list, the tag counts of the filter bar and related products.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Product } from "../../../modules/inventory/domain/product.ts";
import type { InventoryStore } from "../../../modules/inventory/store/types.ts";
import { type NamedCase, product } from "./store_conformance_helpers.ts";

/** Reserves and commits one order of one unit of each product. */
async function sell(store: InventoryStore, orderId: string, ...products: Product[]) {
  const held = await store.reserve(
    orderId,
    products.map((p) => ({ product_id: p.id, quantity: 1 })),
  );
  assert.equal(held.state, "held", JSON.stringify(held));
  assert.equal((await store.commit(orderId))?.state, "committed");
}

const names = (products: Product[] | null) => products?.map((p) => p.name) ?? null;

export const discoveryCases: NamedCase[] = [
  ["listProducts() lists featured products, alone or with other filters", async ({ store }) => {
    const mug = await store.createProduct(
      product({ name: "Mug", tags: ["kitchen"], featured: true }),
    );
    await store.createProduct(product({ name: "Pot", tags: ["kitchen"] }));
    const chair = await store.createProduct(product({ name: "Chair", featured: true }));
    assert.equal(mug.featured, true);
    assert.equal((await store.getProduct(chair.id))?.featured, true);
    const listed = async (query: { tag?: string; q?: string; featured?: boolean }, limit = 10) =>
      (await store.listProducts({ limit, ...query })).items.map((p) => p.name);
    assert.deepEqual(await listed({ featured: true }), ["Mug", "Chair"]);
    assert.deepEqual(await listed({ featured: false }), ["Pot"]);
    assert.deepEqual(await listed({ featured: true, tag: "Kitchen" }), ["Mug"]);
    assert.deepEqual(await listed({ featured: true, q: "cha" }), ["Chair"]);
    const first = await store.listProducts({ limit: 1, featured: true });
    assert.deepEqual(first.items.map((p) => p.name), ["Mug"]);
    const rest = await store.listProducts({ limit: 1, featured: true, afterSeq: first.nextSeq! });
    assert.deepEqual(rest.items.map((p) => p.name), ["Chair"]);
    assert.equal(rest.nextSeq, null);

    const unfeatured = await store.updateProduct(mug.id, { featured: false });
    assert.equal(unfeatured?.featured, false);
    assert.deepEqual(await listed({ featured: true }), ["Chair"]);
    const renamed = await store.updateProduct(chair.id, { name: "Armchair" });
    assert.equal(renamed?.featured, true, "a patch without featured keeps it");
    await store.updateProduct(mug.id, { featured: true });
    assert.deepEqual(await listed({ featured: true }), ["Mug", "Armchair"]);
    await store.deleteProduct(mug.id);
    assert.deepEqual(await listed({ featured: true }), ["Armchair"]);
  }],

  ["tags() counts products per tag, most used first, in the first spelling", async ({ store }) => {
    const mug = await store.createProduct(product({ tags: ["Kitchen", "blue"] }));
    const pot = await store.createProduct(product({ tags: ["kitchen", "tea"] }));
    await store.createProduct(product({ tags: ["KITCHEN", "blue", "garden"] }));
    assert.deepEqual(await store.tags(10), [
      { tag: "Kitchen", count: 3 },
      { tag: "blue", count: 2 },
      { tag: "garden", count: 1 },
      { tag: "tea", count: 1 },
    ]);
    assert.deepEqual(await store.tags(2), [
      { tag: "Kitchen", count: 3 },
      { tag: "blue", count: 2 },
    ]);
    await store.deleteProduct(pot.id);
    await store.updateProduct(mug.id, { tags: ["Tea"] });
    assert.deepEqual(await store.tags(10), [
      { tag: "blue", count: 1 },
      { tag: "garden", count: 1 },
      { tag: "Kitchen", count: 1 },
      { tag: "Tea", count: 1 },
    ], "equal counts by tag; a tag no product carried is back in its new spelling");
    await store.updateProduct(mug.id, { name: "Renamed" });
    assert.equal((await store.tags(10)).length, 4, "a patch that keeps the tags keeps the counts");
  }],

  [
    "related() ranks bought together first, then shared tags, then newest",
    async ({ store }) => {
      const tea = await store.createProduct(product({ name: "Tea", tags: ["kitchen", "tea"] }));
      const cup = await store.createProduct(product({ name: "Cup", tags: ["kitchen"] }));
      const pot = await store.createProduct(product({ name: "Pot", tags: ["kitchen", "tea"] }));
      const honey = await store.createProduct(product({ name: "Honey" }));
      const kettle = await store.createProduct(product({ name: "Kettle", tags: ["kitchen"] }));
      await store.createProduct(product({ name: "Chair", tags: ["garden"] }));
      assert.deepEqual(names(await store.related(tea.id, 10)), ["Pot", "Kettle", "Cup"]);
      await sell(store, "o1", tea, honey);
      await sell(store, "o2", honey, tea, cup);
      assert.deepEqual(names(await store.related(tea.id, 10)), ["Honey", "Cup", "Pot", "Kettle"]);
      assert.deepEqual(names(await store.related(tea.id, 2)), ["Honey", "Cup"]);
      assert.deepEqual(names(await store.related(honey.id, 10)), ["Tea", "Cup"]);
      assert.deepEqual(names(await store.related(kettle.id, 10)), ["Pot", "Cup", "Tea"]);

      // A redelivered commit is the same sale: it counts nothing again.
      await store.commit("o1");
      await sell(store, "o3", cup, pot);
      await sell(store, "o4", cup, pot);
      assert.deepEqual(names(await store.related(cup.id, 10)), ["Pot", "Tea", "Honey", "Kettle"]);
      assert.deepEqual(names(await store.related(tea.id, 10)), ["Honey", "Cup", "Pot", "Kettle"]);

      await store.deleteProduct(honey.id);
      assert.deepEqual(names(await store.related(tea.id, 10)), ["Cup", "Pot", "Kettle"]);
      assert.equal(await store.related(honey.id, 10), null);
      assert.equal(await store.related("p_missing", 10), null);
    },
  ],

  ["related() of a product with no tags and no sales is empty", async ({ store }) => {
    const alone = await store.createProduct(product({ name: "Alone" }));
    await store.createProduct(product({ name: "Other", tags: ["x"] }));
    assert.deepEqual(await store.related(alone.id, 4), []);
  }],
];
