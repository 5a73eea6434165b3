/**
 * Closed-loop load with wrk (Debian's): POST /orders with a random customer
 * and product from the seeded lists, `Prefer: wait=10`, so each request is
 * one order answered once it is terminal.
 *
 * @module
 */

export interface WrkResult {
  requestsPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

function luaList(values: readonly string[]): string {
  return `{${values.map((v) => JSON.stringify(v)).join(",")}}`;
}

/** The wrk script: one order per request, from the given customers and products. */
export function orderScript(
  customers: readonly string[],
  products: readonly string[],
  auth: string,
) {
  return `
local customers = ${luaList(customers)}
local products = ${luaList(products)}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Prefer"] = "wait=10"
wrk.headers["Authorization"] = "Bearer ${auth}"
request = function()
  local c = customers[math.random(#customers)]
  local p = products[math.random(#products)]
  return wrk.format(nil, "/orders", nil,
    '{"customer_id":"' .. c .. '","items":[{"product_id":"' .. p .. '","quantity":1}]}')
end
`;
}

function toMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) return NaN;
  const value = Number(match[1]);
  return { us: value / 1_000, ms: value, s: value * 1_000, m: value * 60_000 }[match[2]!]!;
}

export function parseWrk(output: string): WrkResult {
  const percentile = (p: string) =>
    toMs(new RegExp(`^\\s*${p}%\\s+(\\S+)`, "m").exec(output)?.[1] ?? "");
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requestsPerS: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN),
    p50Ms: percentile("50"),
    p90Ms: percentile("90"),
    p99Ms: percentile("99"),
    maxMs: toMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(output)?.[1] ?? ""),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

export async function runWrk(
  url: string,
  script: string,
  options: { connections: number; seconds: number; threads?: number },
): Promise<WrkResult> {
  const file = await Deno.makeTempFile({ suffix: ".lua" });
  try {
    await Deno.writeTextFile(file, script);
    const output = await new Deno.Command("wrk", {
      args: [
        `-t${options.threads ?? 1}`,
        `-c${options.connections}`,
        `-d${options.seconds}s`,
        "--latency",
        "--timeout",
        "15s",
        "-s",
        file,
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    if (!output.success) throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}`);
    return parseWrk(text);
  } finally {
    await Deno.remove(file);
  }
}
