/**
 * The ceiling for `bench:orders`: a bare Hono handler that parses and checks
 * the same order body and answers 202 with a small JSON, and nothing else.
 * `deno run -A bench/bare_server.ts <port>`.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";

const body = z.strictObject({
  customer_id: z.string().min(1),
  items: z.array(z.strictObject({ product_id: z.string(), quantity: z.number().int().positive() }))
    .min(1),
});

const app = new Hono();
let n = 0;
app.post("/orders", async (c) => {
  const order = body.parse(await c.req.json());
  return c.json({ id: `ord_${++n}`, status: "pending", customer_id: order.customer_id }, 202);
});
app.get("/health", (c) => c.json({ status: "ok" }));

Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0] ?? 8099), onListen() {} }, app.fetch);
