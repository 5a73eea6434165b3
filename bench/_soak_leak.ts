/**
 * A leak on purpose, for `deno task soak --leak BYTES` to show that its rule
 * catches one: preloaded (`deno run --preload`) into every server the soak
 * starts, it keeps a string of SOAK_LEAK_BYTES for every JSON.parse — every
 * bus message, stored record and request body read — for ever. Nothing else
 * loads it; the servers' own code is untouched.
 *
 * @module
 */

const bytes = Number(Deno.env.get("SOAK_LEAK_BYTES") ?? 0);
const kept: string[] = [];
const parse = JSON.parse;

if (bytes > 0) {
  JSON.parse = function leakingParse(text: string, reviver?: Parameters<typeof parse>[1]) {
    kept.push(String(kept.length).padEnd(bytes, "."));
    return parse(text, reviver);
  };
}
