import assert from "node:assert/strict";
import { prefersHtml } from "./accept.ts";

Deno.test("prefersHtml() is true only when HTML ranks above JSON", () => {
  const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  assert.equal(prefersHtml(browser), true);
  assert.equal(prefersHtml("text/html"), true);
  assert.equal(prefersHtml("text/*"), true);
  assert.equal(prefersHtml("application/json, text/html;q=0.5"), false);
  assert.equal(prefersHtml("text/html;q=0.9, application/json;q=0.5"), true);
  assert.equal(prefersHtml("*/*"), false);
  assert.equal(prefersHtml("application/json"), false);
  assert.equal(prefersHtml("text/html;q=0"), false);
  assert.equal(prefersHtml("text/html;q=banana"), false);
  assert.equal(prefersHtml(""), false);
  assert.equal(prefersHtml(undefined), false);
  assert.equal(prefersHtml("garbage"), false);
});
