import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { installErrorHandling, readBody } from "./http.ts";

const stored: unknown[] = [];

function app(): Hono {
  const app = new Hono();
  installErrorHandling(app, () => {});
  app.post("/things", async (c) => {
    stored.push(await readBody(c, z.strictObject({ name: z.string() })));
    return c.json({ ok: true }, 201);
  });
  return app;
}

async function post(body: BodyInit): Promise<{ status: number; message: string }> {
  const reply = await app().request("/things", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const json = await reply.json() as { error?: { message: string } };
  return { status: reply.status, message: json.error?.message ?? "" };
}

Deno.test("readBody() refuses bytes that are not UTF-8 instead of storing U+FFFD", async () => {
  stored.length = 0;
  const prefix = new TextEncoder().encode('{"name":"caf');
  const bytes = new Uint8Array([...prefix, 0xe9, ...new TextEncoder().encode('"}')]);
  const reply = await post(bytes);
  assert.equal(reply.status, 400);
  assert.match(reply.message, /UTF-8/);
  assert.deepEqual(stored, []);
});

Deno.test("readBody() checks escapes in JSON nested thousands deep without overflowing (400, not 500)", async () => {
  stored.length = 0;
  const deep = "[".repeat(10_000) + '"\\ud800"' + "]".repeat(10_000);
  const reply = await post(`{"name":"x","deep":${deep},"s":"\\u00e9"}`);
  assert.equal(reply.status, 400);
  assert.deepEqual(stored, []);
});

Deno.test("readBody() refuses an escaped unpaired surrogate, in a value or a key", async () => {
  stored.length = 0;
  for (const body of ['{"name":"a\\ud800"}', '{"\\udc00":"a"}', '{"name":"\\udfff\\ud800"}']) {
    const reply = await post(body);
    assert.equal(reply.status, 400, body);
    assert.match(reply.message, /surrogate/);
  }
  assert.deepEqual(stored, []);
});

Deno.test("readBody() keeps well-formed text, escaped pairs and emoji included", async () => {
  stored.length = 0;
  assert.equal((await post('{"name":"caf\\u00e9 \\ud83d\\ude00 😀"}')).status, 201);
  assert.equal((await post(new TextEncoder().encode('{"name":"café"}'))).status, 201);
  assert.deepEqual(stored, [{ name: "café 😀 😀" }, { name: "café" }]);
});
