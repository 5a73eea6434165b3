import assert from "node:assert/strict";
import { serviceUrl } from "../../testing/services.ts";
import { SseReader } from "../../testing/sse.ts";
import { waitFor } from "../../testing/wait.ts";
import { seen } from "../../testing/modules/orders/fakes.ts";
import { withSystem } from "../../testing/modules/orders/system.ts";

const redisUrl = serviceUrl("REDIS_URL");

Deno.test({
  name: "two orders processes sharing a Redis store run each order's saga once",
  ignore: redisUrl === null,
  fn: async () => {
    const world = { duplicate: true, stock: new Map([["p1", 100], ["p2", 100]]) };
    await withSystem({ redisUrl: redisUrl!, processes: 2, world }, async (system) => {
      const items = [{ product_id: "p1", quantity: 1 }, { product_id: "p2", quantity: 2 }];
      const orders = await Promise.all(
        Array.from({ length: 20 }, async () => await (await system.place(items, 10)).json()),
      );
      assert.deepEqual(new Set(orders.map((order) => order.status)), new Set(["confirmed"]));
      assert.equal(system.world.balances.get("cus_1"), 100_000 - 20 * 1_500);
      for (const order of orders) {
        await waitFor(() => seen(system.world, "order.confirmed", order.id).length === 1);
        assert.equal(seen(system.world, "order.payment_requested", order.id).length, 1);
        assert.equal(seen(system.world, "order.stock_commit_requested", order.id).length, 1);
      }
      const listed = await system.app.request("/orders?limit=100", {
        headers: { authorization: system.token },
      });
      assert.equal((await listed.json()).items.length, 20);
    });
  },
});

Deno.test({
  name: "on Redis, an order whose step times out is compensated by the sweeper",
  ignore: redisUrl === null,
  fn: async () => {
    const options = {
      redisUrl: redisUrl!,
      processes: 2,
      settings: { sagaStepTimeoutMs: 150 },
      world: { silent: new Set(["payment"]) },
    };
    await withSystem(options as never, async (system) => {
      const order = await (await system.place([{ product_id: "p1", quantity: 3 }], 5)).json();
      assert.equal(order.status, "rejected");
      assert.equal(order.reason, "timeout");
      await waitFor(() => system.world.stock.get("p1") === 10, { message: "stock back" });
      await waitFor(() => seen(system.world, "order.rejected", order.id).length === 1);
      assert.equal(seen(system.world, "order.refund_requested", order.id).length, 1);
    });
  },
});

Deno.test({
  name: "on Redis, an event stream follows an order whose saga another process runs",
  ignore: redisUrl === null,
  fn: async () => {
    await withSystem({ redisUrl: redisUrl!, processes: 2 }, async (system) => {
      // Several orders, so the competing process surely applies some of the steps.
      const placed = await Promise.all(
        Array.from(
          { length: 6 },
          async () => await (await system.place([{ product_id: "p1", quantity: 1 }], 0)).json(),
        ),
      );
      const streams = await Promise.all(placed.map(async (order) => {
        const response = await system.app.request(`/orders/${order.id}/events`, {
          headers: { authorization: system.token },
        });
        assert.equal(response.status, 200);
        return new SseReader(response);
      }));
      for (const stream of streams) {
        const events = await stream.rest(15_000);
        const statuses = events.map((event) => JSON.parse(event.data).status);
        assert.equal(statuses.at(-1), "confirmed", JSON.stringify(statuses));
        const ids = events.map((event) => Number(event.id));
        assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "ids only grow");
        assert.equal(new Set(ids).size, ids.length, "no status twice");
        assert.ok(stream.ended);
      }
    });
  },
});
