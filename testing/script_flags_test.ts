import assert from "node:assert/strict";
import { scriptFlags } from "./script_flags.ts";

Deno.test("scriptFlags() takes what is given, the defaults for the rest, and no value without one", () => {
  const flags = scriptFlags(["--bus", "nats"], { bus: "both", orders: "600", seed: undefined });
  assert.deepEqual({ ...flags }, { bus: "nats", orders: "600" });
});

Deno.test("scriptFlags() refuses a flag it was not told of", () => {
  assert.throws(() => scriptFlags(["--nope", "1"], { bus: "both" }), /nope/);
});
