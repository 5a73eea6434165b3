/**
 * A broker link that stalls for 30 s mid-load, across real processes: every
 * process reaches the stalled broker through a TCP proxy (testing/tcp_proxy.ts)
 * that keeps the sockets open and drops every byte both ways — no error, no
 * reset, only the clients' own timeouts can tell. On Redis the bus and the
 * stores go through the proxy; on NATS the bus does, the stores reach Redis
 * directly. While it lasts nothing hangs: the requests that need the broker
 * answer 503 within the command timeout, /ready is 503, and a SIGTERMed
 * process exits 0 within its grace. Once the link returns every accepted
 * order ends terminal and the SPEC invariants hold (nothing lost, nothing
 * charged twice). Skipped loudly without REDIS_URL (and NATS_URL), failed
 * with REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import { RedisKeys } from "../bus/redis/keys.ts";
import type { ModuleName } from "../lib/module.ts";
import { Fleet, type FleetMember } from "../testing/fleet.ts";
import { type Plan, planOrders, runPlan, waitAllTerminal } from "../testing/load.ts";
import { connectRedis, deleteKeys } from "../testing/redis.ts";
import { serviceUrl, uniqueName } from "../testing/services.ts";
import { Shop } from "../testing/shop.ts";
import { TcpProxy } from "../testing/tcp_proxy.ts";
import { delay } from "../testing/wait.ts";
import { deleteNamespace } from "../testing/bus/nats_cleanup.ts";

export const STALL_MS = 30_000;
const COMMAND_TIMEOUT_MS = 2_000;
/**
 * A request that meets the stall is answered within the timeout and this much more (the probes
 * are timed in this process, which also runs the proxy). Quiet, the slowest answer in 2.0 s;
 * before commands skipped auto-pipelining on a link that is not ready
 * (bus/redis/socket_guards.ts pipelineOnlyWhenReady) it took 2.9 s, 3.5 s on a loaded machine.
 */
const ANSWER_SLACK_MS = 1_500;
/** SIGTERM's grace in app/main.ts, and what the exit may take past it. */
const GRACE_MS = 10_000;
const EXIT_SLACK_MS = 1_000;

/** Two orders processes (one is SIGTERMed mid-stall) and one for the rest. */
const PROCESSES: ModuleName[][] = [["orders"], ["orders"], ["inventory", "accounts", "messaging"]];

interface Probe {
  what: string;
  status: number;
  ms: number;
}

/** One request with a stopwatch; a dropped connection or a hang past 15 s is status 0. */
async function probe(what: string, url: string, init: RequestInit = {}): Promise<Probe> {
  const started = performance.now();
  let status = 0;
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    await response.body?.cancel();
    status = response.status;
  } catch {
    status = 0;
  }
  return { what, status, ms: Math.round(performance.now() - started) };
}

export function stallCase(bus: "redis" | "nats"): Deno.TestDefinition {
  const label = bus === "redis" ? "Redis" : "NATS";
  const redisUrl = serviceUrl("REDIS_URL");
  const natsUrl = bus === "nats" ? serviceUrl("NATS_URL") : null;
  return {
    name: `a ${label} link stalled ${
      STALL_MS / 1000
    } s mid-load: 503s in bounded time, SIGTERM exits in its grace, then every order ends and invariants hold`,
    ignore: redisUrl === null || (bus === "nats" && natsUrl === null),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => runStall(bus, redisUrl!, natsUrl),
  };
}

async function runStall(bus: "redis" | "nats", redisUrl: string, natsUrl: string | null) {
  const proxy = TcpProxy.forUrl(bus === "redis" ? redisUrl : natsUrl!);
  const keyPrefix = `${uniqueName("st")}:`;
  let fleet: Fleet | null = null;
  try {
    fleet = await Fleet.start({
      bus,
      redisUrl: bus === "redis" ? proxy.urlFor(redisUrl) : redisUrl,
      natsUrl: natsUrl ? proxy.urlFor(natsUrl) : undefined,
      processes: PROCESSES,
      env: {
        KEY_PREFIX: keyPrefix,
        BUS_ACK_DEADLINE_MS: "3000",
        REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
        // Shorter than the stall: orders caught in it may end by their own deadline.
        SAGA_STEP_TIMEOUT_MS: "20000",
      },
    });
    const shop = new Shop(fleet);
    const plan = await planOrders(shop, 50);
    let stalled: Promise<string> | null = null;
    // Paced so that orders are placed before, during and after the stall.
    const report = await runPlan(shop, plan, {
      concurrency: 2,
      paceMs: 1_000,
      retryForMs: STALL_MS + 60_000,
      onAccepted: (accepted) => {
        if (accepted === 10) stalled = stallAndProbe(bus, fleet!, proxy, plan);
      },
    });
    assert.ok(stalled, "the stall happened");
    const summary = await stalled;
    await fleet.assertAlive();

    const settledMs = await waitAllTerminal(shop, plan, 90_000);
    const outcomes = await assertEnded(shop, plan);
    await shop.assertInvariants({ notifications: true, timeoutMs: 30_000 });
    const live = fleet.live();
    assert.deepEqual(await fleet.readiness(), live.map(() => 200));
    const codes = await fleet.stop();
    assert.deepEqual(codes, live.map(() => 0), fleet.logs());
    console.log(
      `${summary}; ${report.accepted} orders accepted, ${report.retried} attempts retried; ` +
        `all terminal ${settledMs} ms after the last; outcomes ${JSON.stringify(outcomes)}; ` +
        `${proxy.bytes.dropped} bytes dropped by the stall`,
    );
  } catch (error) {
    if (fleet) console.error(fleet.logs());
    throw error;
  } finally {
    await fleet?.kill();
    await proxy.close();
    const redis = await connectRedis(redisUrl);
    try {
      await deleteKeys(redis, keyPrefix);
      if (fleet) await deleteKeys(redis, new RedisKeys(fleet.namespace).prefix);
    } finally {
      redis.disconnect();
    }
    if (natsUrl && fleet) await deleteNamespace(natsUrl, fleet.namespace);
  }
}

/**
 * Stalls the link, probes every process while it lasts, SIGTERMs the second
 * orders process in the middle of it, and lets the link pass again.
 */
async function stallAndProbe(
  bus: "redis" | "nats",
  fleet: Fleet,
  proxy: TcpProxy,
  plan: Plan,
): Promise<string> {
  const stalledAt = performance.now();
  proxy.stall();
  const elapsed = () => Math.round(performance.now() - stalledAt);
  const [first, second] = fleet.serving("orders") as [FleetMember, FleetMember];
  const rest = fleet.serving("inventory")[0]!;
  const planned = plan.orders.find((o) => o.id)!;
  const headers = {
    authorization: `Bearer ${planned.customer.token}`,
    "content-type": "application/json",
  };
  const placeBody = JSON.stringify({
    customer_id: planned.customer.id,
    items: [{ product_id: planned.items[0]!.product_id, quantity: 1 }],
  });
  // Let the clients notice (every connection times out) before judging the answers.
  await delay(COMMAND_TIMEOUT_MS * 2);
  const probes: Probe[] = [];
  const probeAll = async () => {
    const batch = await Promise.all([
      probe("ready (orders)", `${first.server.url}/ready`),
      probe("ready (rest)", `${rest.server.url}/ready`),
      probe("GET /orders/:id", `${first.server.url}/orders/${planned.id}`, { headers }),
      probe(
        "GET /inventory/products/:id",
        `${rest.server.url}/inventory/products/${planned.items[0]!.product_id}`,
      ),
      probe("GET /admin/bus", `${rest.server.url}/admin/bus`, {
        headers: { authorization: `Bearer ${fleet.admin}` },
      }),
      probe("POST /orders", `${first.server.url}/orders`, {
        method: "POST",
        headers: { ...headers, "idempotency-key": `stall-${crypto.randomUUID()}` },
        body: placeBody,
      }),
    ]);
    probes.push(...batch);
  };
  await probeAll();
  // SIGTERM mid-stall: nothing can be finished, and the exit still comes within the grace.
  const exit = await fleet.terminate(second);
  await probeAll();
  while (elapsed() < STALL_MS - 3_000) {
    await delay(2_000);
    await probeAll();
  }
  await delay(Math.max(0, STALL_MS - elapsed()));
  proxy.pass();
  const passedAt = elapsed();
  await fleet.waitReady(200, 45_000);
  const readyAt = elapsed();

  assert.equal(exit.code, 0, `SIGTERM mid-stall: exit code ${exit.code}\n${fleet.logs()}`);
  assert.ok(exit.ms < GRACE_MS + EXIT_SLACK_MS, `SIGTERM mid-stall took ${exit.ms} ms to exit`);
  const bound = COMMAND_TIMEOUT_MS + ANSWER_SLACK_MS;
  for (const p of probes) {
    assert.ok(
      p.status !== 0 && p.ms <= bound,
      `${p.what} during the stall: ${p.status} in ${p.ms} ms`,
    );
    assert.notEqual(p.status, 500, `${p.what} during the stall answered 500`);
    if (p.what.startsWith("ready") || p.what === "GET /admin/bus") {
      assert.equal(p.status, 503, `${p.what} during the stall: ${p.status}`);
    } else if (bus === "redis") {
      // Everything here needs Redis: an honest 503, quickly.
      assert.equal(p.status, 503, `${p.what} during the stall: ${p.status}`);
    } else {
      // The stores are on Redis, reachable: orders are taken into the outbox and wait for NATS.
      assert.ok([200, 202, 503].includes(p.status), `${p.what} during the stall: ${p.status}`);
    }
  }
  const slowest = new Map<string, Probe>();
  for (const p of probes) if ((slowest.get(p.what)?.ms ?? -1) < p.ms) slowest.set(p.what, p);
  const answers = [...slowest.values()].map((p) => `${p.what} ${p.status} in ${p.ms} ms`);
  return `${bus} link stalled ${passedAt} ms: ${probes.length} probes, the slowest of each ` +
    `${answers.join(", ")}; SIGTERM exit ${exit.code} in ${exit.ms} ms; every /ready 200 again ` +
    `${readyAt - passedAt} ms after`;
}

/** Every planned order ended as planned, or by its step deadline when the stall held it. */
async function assertEnded(shop: Shop, plan: Plan): Promise<Record<string, number>> {
  const byOutcome: Record<string, number> = {};
  for (const planned of plan.orders) {
    const reply = await shop.system.call("GET", `/orders/${planned.id}`, {
      token: shop.system.admin,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const { status, reason } = reply.body;
    const outcome = reason ? `${status}:${reason}` : status;
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    if (reason === "timeout") continue;
    assert.ok(
      planned.expect.statuses.includes(status),
      `order ${planned.id} is ${status} (${reason}), expected ${planned.expect.statuses.join("/")}`,
    );
    if (status === "rejected") assert.equal(reason, planned.expect.reason, planned.key);
  }
  return byOutcome;
}
