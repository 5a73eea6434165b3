/**
 * Store conformance: inventory.product_saved, what the catalog tells other
 * modules a product is called and costs, written with the change itself.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type NamedCase, product, takeEventData } from "./store_conformance_helpers.ts";

export const savedCases: NamedCase[] = [
  [
    "createProduct() says product_saved on the outbox, with the product's facts",
    async ({ store }) => {
      const created = await store.createProduct(product({ sku: "KET-1", tags: ["kitchen"] }));
      assert.deepEqual(await takeEventData(store), [{
        type: "inventory.product_saved",
        data: {
          product_id: created.id,
          name: "Teapot",
          price: 1250,
          sku: "KET-1",
          revision: 1,
          updated_at: created.updated_at,
        },
      }]);
      await assert.rejects(store.createProduct(product({ sku: "KET-1" })));
      assert.deepEqual(await takeEventData(store), [], "a refused product says nothing");
    },
  ],

  [
    "updateProduct() says product_saved when it renames or reprices, not otherwise",
    async ({ store }) => {
      const created = await store.createProduct(product({ sku: "KET-2" }));
      await takeEventData(store);
      const saved = async () =>
        (await takeEventData(store)).map(({ type, data }) => {
          assert.equal(type, "inventory.product_saved");
          const { product_id, updated_at: _at, ...facts } = data as Record<string, unknown>;
          assert.equal(product_id, created.id);
          return facts;
        });
      await store.updateProduct(created.id, { tags: ["new"], description: "Shiny" });
      assert.deepEqual(await saved(), [], "tags and description are not in the event");
      const renamed = await store.updateProduct(created.id, { name: "Kettle" });
      const [event] = await takeEventData(store);
      assert.deepEqual(event?.data, {
        product_id: created.id,
        name: "Kettle",
        price: 1250,
        sku: "KET-2",
        revision: 3,
        updated_at: renamed?.updated_at,
      });
      await store.updateProduct(created.id, { price: 990 });
      assert.deepEqual(await saved(), [{ name: "Kettle", price: 990, sku: "KET-2", revision: 4 }]);
      await store.updateProduct(created.id, { name: "Kettle", price: 990 });
      assert.deepEqual(await saved(), [], "the same name and price again change nothing");
      await store.updateProduct(created.id, { name: "Big Kettle", price: 1990, tags: [] });
      assert.deepEqual(await saved(), [{
        name: "Big Kettle",
        price: 1990,
        sku: "KET-2",
        revision: 6,
      }]);
      await store.updateProduct("p_missing", { name: "X" });
      assert.deepEqual(await saved(), []);
    },
  ],

  ["concurrent renames: the highest revision names the product as it ends", async (opened) => {
    const { store } = opened;
    const other = opened.peer ? await opened.peer() : store;
    const created = await store.createProduct(product());
    await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) =>
          (i % 2 ? other : store).updateProduct(created.id, { name: `Name ${i}`, price: 100 + i }),
      ),
    );
    const events = (await takeEventData(store)).map((e) =>
      e.data as { name: string; price: number; revision: number }
    );
    const revisions = events.map((e) => e.revision);
    assert.equal(new Set(revisions).size, revisions.length, "every revision once");
    const newest = events.reduce((a, b) => (b.revision > a.revision ? b : a));
    const final = await store.getProduct(created.id);
    assert.deepEqual([newest.name, newest.price], [final?.name, final?.price]);
  }],
];
