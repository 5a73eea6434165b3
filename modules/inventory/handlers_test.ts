import assert from "node:assert/strict";
import { openApiDocument } from "../../lib/openapi.ts";
import { connectRedis } from "../../testing/redis.ts";
import { serviceUrl, uniqueName } from "../../testing/services.ts";
import { waitFor } from "../../testing/wait.ts";
import { orderPlaced, stockCommitRequested, stockReleaseRequested } from "../orders/events.ts";
import { RedisInventoryStore } from "./store/redis.ts";
import { startInventory } from "../../testing/modules/inventory/module_harness.ts";
import { inventoryModule } from "./mod.ts";

const redisUrl = serviceUrl("REDIS_URL");

for (const store of ["memory", "redis"] as const) {
  const test = (
    name: string,
    fn: (inv: Awaited<ReturnType<typeof startInventory>>) => Promise<void>,
  ) =>
    Deno.test({
      name: `inventory on a memory bus, ${store} store: ${name}`,
      ignore: store === "redis" && redisUrl === null,
      fn: async () => {
        const inventory = await startInventory(store, redisUrl);
        try {
          await fn(inventory);
        } finally {
          await inventory.stop();
        }
      },
    });
  type Inventory = Awaited<ReturnType<typeof startInventory>>;
  const stocked = async (inv: Inventory, price: number, stock: number) =>
    (await inv.call("POST", "/inventory/products", { name: "A", price, stock })).body;
  const placeTwo = (inv: Inventory, product_id: string) =>
    inv.bus.publish(orderPlaced, {
      order_id: "o1",
      customer_id: "c1",
      items: [{ product_id, quantity: 2 }],
    });

  test("creating, renaming and repricing a product publishes product_saved", async (inv) => {
    const a = (await inv.call("POST", "/inventory/products", {
      name: "A",
      price: 300,
      stock: 5,
      sku: "A-1",
    })).body;
    await inv.call("PATCH", `/inventory/products/${a.id}`, { tags: ["quiet"] });
    await inv.call("PATCH", `/inventory/products/${a.id}`, { name: "A+", price: 350 });
    const saved = await waitFor(() => {
      const found = inv.published.filter((e) => e.type === "inventory.product_saved");
      return found.length === 2 ? found.map((e) => e.data) : null;
    }, { message: "two product_saved events" });
    assert.deepEqual(saved.map((data) => ({ ...(data as object), updated_at: "-" })), [
      { product_id: a.id, name: "A", price: 300, sku: "A-1", revision: 1, updated_at: "-" },
      { product_id: a.id, name: "A+", price: 350, sku: "A-1", revision: 3, updated_at: "-" },
    ]);
  });

  test("order.placed is answered with stock_reserved at fixed prices", async (inv) => {
    const a = await stocked(inv, 300, 5);
    const placed = await placeTwo(inv, a.id);
    const reserved = await inv.answer("inventory.stock_reserved", inv.forOrder("o1"));
    assert.deepEqual(reserved.data, {
      order_id: "o1",
      lines: [{ product_id: a.id, quantity: 2, unit_price: 300 }],
    });
    assert.equal(reserved.source, "inventory");
    assert.equal(reserved.correlation_id, placed.correlation_id);
    assert.equal(reserved.causation_id, placed.id);
    const product = (await inv.call("GET", `/inventory/products/${a.id}`)).body;
    assert.equal(product.stock, 3);
    assert.equal(product.reserved, 2);
  });

  test("order.placed for an unknown product or too many units is rejected", async (inv) => {
    const a = await stocked(inv, 1, 1);
    await inv.bus.publish(orderPlaced, {
      order_id: "o-short",
      customer_id: "c1",
      items: [{ product_id: a.id, quantity: 2 }],
    });
    await inv.bus.publish(orderPlaced, {
      order_id: "o-unknown",
      customer_id: "c1",
      items: [{ product_id: a.id, quantity: 1 }, { product_id: "p_nope", quantity: 1 }],
    });
    const short = await inv.answer("inventory.reservation_rejected", inv.forOrder("o-short"));
    assert.deepEqual(short.data, { order_id: "o-short", reason: "out_of_stock", product_id: a.id });
    const unknown = await inv.answer("inventory.reservation_rejected", inv.forOrder("o-unknown"));
    assert.deepEqual(unknown.data, {
      order_id: "o-unknown",
      reason: "unknown_product",
      product_id: "p_nope",
    });
    assert.equal((await inv.call("GET", `/inventory/products/${a.id}`)).body.stock, 1);
  });

  test("a redelivered order.placed never holds stock twice", async (inv) => {
    const a = await stocked(inv, 1, 5);
    const placed = await placeTwo(inv, a.id);
    await inv.bus.publishEnvelope(placed);
    await waitFor(() =>
      inv.published.filter((e) => e.type === "inventory.stock_reserved").length === 2
    );
    assert.equal((await inv.call("GET", `/inventory/products/${a.id}`)).body.reserved, 2);
  });

  test("commit and release requests are answered through the saga", async (inv) => {
    const a = await stocked(inv, 1, 5);
    const place = (order_id: string) =>
      inv.bus.publish(orderPlaced, {
        order_id,
        customer_id: "c1",
        items: [{ product_id: a.id, quantity: 1 }],
      });
    await place("o-sold");
    await place("o-back");
    await inv.answer("inventory.stock_reserved", inv.forOrder("o-sold"));
    await inv.answer("inventory.stock_reserved", inv.forOrder("o-back"));
    await inv.bus.publish(stockCommitRequested, { order_id: "o-sold" });
    await inv.bus.publish(stockReleaseRequested, { order_id: "o-back" });
    await inv.answer("inventory.reservation_committed", inv.forOrder("o-sold"));
    const released = await inv.answer("inventory.stock_released", inv.forOrder("o-back"));
    assert.equal(released.data && (released.data as { returned: boolean }).returned, false);
    const product = (await inv.call("GET", `/inventory/products/${a.id}`)).body;
    assert.deepEqual([product.stock, product.reserved], [4, 0]);
    await inv.bus.publish(stockReleaseRequested, { order_id: "o-sold" });
    const returned = await inv.answer(
      "inventory.stock_released",
      (d) => d.order_id === "o-sold" && d.returned === true,
    );
    assert.ok(returned);
    await inv.bus.publish(stockCommitRequested, { order_id: "o-never" });
    const failed = await inv.answer("inventory.reservation_commit_failed", inv.forOrder("o-never"));
    assert.deepEqual(failed.data, { order_id: "o-never", reason: "reservation_lost" });
    assert.equal((await inv.call("GET", `/inventory/products/${a.id}`)).body.stock, 5);
  });

  test("a release before the order is placed refuses the late reservation", async (inv) => {
    const a = await stocked(inv, 1, 5);
    await inv.bus.publish(stockReleaseRequested, { order_id: "o1" });
    await inv.answer("inventory.stock_released", inv.forOrder("o1"));
    await inv.bus.publish(orderPlaced, {
      order_id: "o1",
      customer_id: "c1",
      items: [{ product_id: a.id, quantity: 1 }],
    });
    // The tombstone answers nothing; a commit request after it shows the order holds nothing.
    await inv.bus.publish(stockCommitRequested, { order_id: "o1" });
    const failed = await inv.answer("inventory.reservation_commit_failed", inv.forOrder("o1"));
    assert.deepEqual(failed.data, { order_id: "o1", reason: "reservation_released" });
    assert.equal((await inv.call("GET", `/inventory/products/${a.id}`)).body.reserved, 0);
    assert.ok(!inv.published.some((e) => e.type === "inventory.stock_reserved"));
  });

  test("deleting a product in flight publishes reservation_lost, then product_deleted", async (inv) => {
    const gone =
      (await inv.call("POST", "/inventory/products", { name: "G", price: 1, stock: 5 })).body;
    const kept =
      (await inv.call("POST", "/inventory/products", { name: "K", price: 1, stock: 5 })).body;
    await inv.bus.publish(orderPlaced, {
      order_id: "o1",
      customer_id: "c1",
      items: [{ product_id: gone.id, quantity: 1 }, { product_id: kept.id, quantity: 3 }],
    });
    await inv.answer("inventory.stock_reserved", inv.forOrder("o1"));
    assert.equal((await inv.call("DELETE", `/inventory/products/${gone.id}`)).status, 204);
    const lost = await inv.answer("inventory.reservation_lost", inv.forOrder("o1"));
    assert.deepEqual(lost.data, { order_id: "o1", product_id: gone.id });
    await inv.answer("inventory.product_deleted", (d) => d.product_id === gone.id);
    const product = (await inv.call("GET", `/inventory/products/${kept.id}`)).body;
    assert.deepEqual([product.stock, product.reserved], [5, 0]);
  });

  test("ready() answers and the docs make an OpenAPI document", async (inv) => {
    await inv.running.ready();
    assert.equal(inv.running.name, "inventory");
    const document = openApiDocument([...inventoryModule.docs], "test") as {
      paths: Record<string, unknown>;
    };
    assert.ok(document.paths["/inventory/products/{id}/likes"]);
    assert.ok(document.paths["/inventory/products"]);
  });
}

Deno.test({
  name: "inventory publishes on start what a crashed process wrote but never published",
  ignore: redisUrl === null,
  fn: async () => {
    const keyPrefix = `${uniqueName("test")}:`;
    const redis = await connectRedis(redisUrl!);
    // The "crashed" process: its state change and event reached Redis, the bus never saw it.
    const store = new RedisInventoryStore(redis, keyPrefix);
    const a = await store.createProduct({ name: "A", price: 5, stock: 3 });
    await store.reserve("o-before-crash", [{ product_id: a.id, quantity: 1 }]);
    await redis.quit();
    const inv = await startInventory("redis", redisUrl, keyPrefix);
    try {
      const reserved = await inv.answer("inventory.stock_reserved", inv.forOrder("o-before-crash"));
      assert.deepEqual(reserved.data, {
        order_id: "o-before-crash",
        lines: [{ product_id: a.id, quantity: 1, unit_price: 5 }],
      });
    } finally {
      await inv.stop();
    }
  },
});
