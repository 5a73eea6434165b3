/**
 * `deno task profile [--seconds N] [--top N] [--out F] [-- <bazaar flags>]`: where an
 * order's CPU time goes. Starts one bazaar process (default: every module on
 * the memory bus) under the V8 inspector, seeds products and customers, loads
 * it with the same wrk order script as `bench:orders`, and samples its CPU
 * through the inspector's Profiler meanwhile. Prints the functions with the
 * most time, inclusive (the function and what it calls) and self, each with
 * its share of all samples and µs per order. `--out` also writes the profile
 * (a `.cpuprofile` that Chrome's DevTools open) and a top-down tree beside it.
 *
 * @module
 */
import { remoteCaller } from "../testing/http_client.ts";
import { freePort, MOD } from "../testing/spawn.ts";
import { answersOk } from "../testing/http_client.ts";
import { waitFor } from "../testing/wait.ts";
import { orderScript, runWrk } from "./_wrk.ts";
import { Inspector } from "./_inspector.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

function label({ functionName, url, lineNumber }: CallFrame): string {
  const file = url.replace(/^file:\/\/.*?\/(main|work)\//, "").replace(/^.*node_modules\//, "npm:");
  return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
}

/** Samples per function: self, and inclusive (counted once per sample however deep it recurses). */
function tally(profile: Profile): { self: Map<string, number>; total: Map<string, number> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const sample of profile.samples) {
    const leaf = label(byId.get(sample)!.callFrame);
    self.set(leaf, (self.get(leaf) ?? 0) + 1);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const name = label(byId.get(id)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  return { self, total };
}

/** The call tree from the root, each node with its inclusive µs per order, down to 1 % of all. */
function topDown(profile: Profile, usPerSample: number, orders: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const hits = new Map<number, number>();
  for (const sample of profile.samples) hits.set(sample, (hits.get(sample) ?? 0) + 1);
  const inclusive = new Map<number, number>();
  const total = (id: number): number => {
    const node = byId.get(id)!;
    let sum = hits.get(id) ?? 0;
    for (const child of node.children ?? []) sum += total(child);
    inclusive.set(id, sum);
    return sum;
  };
  const root = profile.nodes[0]!.id;
  const all = total(root);
  const lines: string[] = [];
  const walk = (id: number, depth: number) => {
    const n = inclusive.get(id)!;
    if (n < all / 100) return;
    lines.push(
      `${"  ".repeat(depth)}${(n * usPerSample / orders).toFixed(1)} µs  ${
        label(byId.get(id)!.callFrame)
      }`,
    );
    const children = [...byId.get(id)!.children ?? []].sort((a, b) =>
      inclusive.get(b)! - inclusive.get(a)!
    );
    for (const child of children) walk(child, depth + 1);
  };
  walk(root, 0);
  return lines.join("\n") + "\n";
}

function table(
  title: string,
  counts: Map<string, number>,
  samples: number,
  usPerSample: number,
  orders: number,
  top: number,
): string {
  const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = rows.map(([name, n]) =>
    `| ${name} | ${(100 * n / samples).toFixed(1)} % | ${(n * usPerSample / orders).toFixed(1)} |`
  );
  return [`\n${title}\n`, "| function | share | µs/order |", "|---|--:|--:|", ...lines].join("\n");
}

async function main(): Promise<void> {
  const args = [...Deno.args];
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    if (at < 0) return fallback;
    const value = Number(args[at + 1]);
    args.splice(at, 2);
    return value;
  };
  const seconds = option("--seconds", 8);
  const top = option("--top", 40);
  const outAt = args.indexOf("--out");
  const out = outAt >= 0 ? args.splice(outAt, 2)[1] : undefined;
  const dash = args.indexOf("--");
  const flags = dash >= 0 ? args.slice(dash + 1) : ["--modules", "all", "--bus", "memory"];
  const port = freePort();
  const inspectPort = freePort();
  const admin = `profile-${crypto.randomUUID()}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--inspect=127.0.0.1:${inspectPort}`,
      MOD,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      ...flags,
    ],
    env: { ADMIN_TOKEN: admin, LOG_LEVEL: "warn", MAX_INFLIGHT_ORDERS: "100000" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(() => answersOk(`${url}/ready`), { timeoutMs: 20_000 });
    const call = remoteCaller(url);
    const products = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const reply = await call("POST", "/inventory/products", {
        token: admin,
        body: { name: `Item ${i}`, price: 100 + i, stock: 1_000_000_000, tags: ["bench"] },
      });
      return reply.body.id as string;
    }));
    const customers = await Promise.all(Array.from({ length: 64 }, async (_, i) => {
      const reply = await call("POST", "/accounts/customers", {
        token: admin,
        body: { name: `C ${i}`, email: `c-${i}-${crypto.randomUUID()}@example.com` },
      });
      const id = reply.body.id as string;
      await call("POST", `/accounts/customers/${id}/deposits`, {
        token: admin,
        body: { amount: 1e12 },
      });
      return id;
    }));
    const script = orderScript(customers, products, admin);
    await runWrk(url, script, { connections: 64, seconds: 2 });
    const inspector = await Inspector.open(inspectPort);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
    await inspector.send("Profiler.start");
    const load = await runWrk(url, script, { connections: 64, seconds });
    const { profile } = await inspector.send("Profiler.stop") as { profile: Profile };
    inspector.close();
    const orders = load.requestsPerS * seconds;
    const { self, total } = tally(profile);
    const samples = profile.samples.length;
    const usPerSample = (seconds * 1e6) / samples;
    console.log(
      `${load.requestsPerS.toFixed(0)} orders/s over ${seconds} s; ${samples} samples (${
        usPerSample.toFixed(0)
      } µs each)`,
    );
    console.log(table("Inclusive", total, samples, usPerSample, orders, top));
    console.log(table("Self", self, samples, usPerSample, orders, top));
    if (out) {
      await Deno.writeTextFile(out, JSON.stringify(profile));
      await Deno.writeTextFile(`${out}.tree.txt`, topDown(profile, usPerSample, orders));
      console.log(`\nwrote ${out} and ${out}.tree.txt`);
    }
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

if (import.meta.main) await main();
