/**
 * Disruptions under load, across real processes on private brokers: one
 * runner for every case (tests/resilience_*_test.ts, tests/sigterm_test.ts).
 * A case names its fleet and the disruptions to start once so many orders
 * have been accepted; the runner places the orders, checks every process it
 * stopped on purpose exited 0 in time, and then that every accepted order
 * ends as planned, the SPEC invariants hold, no other process died and each
 * still answers /ready and exits 0. Skipped loudly without the broker
 * binaries, failed with REQUIRE_SERVICES=1.
 */
import assert from "node:assert/strict";
import type { ModuleName } from "../lib/module.ts";
import {
  type BrokerBinary,
  brokersAvailable,
  NatsBroker,
  RedisBroker,
  redisCommand,
} from "../testing/brokers.ts";
import { Fleet } from "../testing/fleet.ts";
import { NatsCluster } from "../testing/nats_cluster.ts";
import { type NodeRole, RedisCluster } from "../testing/redis_cluster.ts";
import { connectNats } from "../bus/nats/connection.ts";
import { natsNames } from "../bus/nats/names.ts";
import { assertOutcomes, planOrders, runPlan, waitAllTerminal } from "../testing/load.ts";
import { Shop } from "../testing/shop.ts";
import { delay, waitFor } from "../testing/wait.ts";

/** What a disruption may reach. */
export interface FleetRun {
  fleet: Fleet;
  /** The stores' Redis (and the redis bus's): one server, or a Redis Cluster. */
  redis: RedisBroker | RedisCluster;
  /** The broker the bus runs on: the NATS server or cluster, or Redis itself. */
  busBroker: RedisBroker | RedisCluster | NatsBroker | NatsCluster;
}

/** What one disruption did; checked once every order has been placed. */
export interface Disrupted {
  /** For the log line. */
  summary: string;
  /** A process it stopped that must exit 0 within `withinMs`. */
  exit?: { label: string; code: number; ms: number; withinMs: number };
}

export interface Disruption {
  /** Started (not awaited) once this many orders have been accepted. */
  after: number;
  run(run: FleetRun): Promise<Disrupted>;
}

export interface FleetCase {
  name: string;
  bus: "redis" | "nats";
  /** A Redis whose writes survive SIGKILL (AOF fsynced on every write). */
  durableRedis?: boolean;
  /**
   * NATS only: a 3-node cluster, every stream and durable on all three
   * (NATS_REPLICAS=3), named server by server in NATS_URL; else one server.
   */
  natsCluster?: boolean;
  /**
   * Bus and stores on a private Redis Cluster (three masters, a replica each), each
   * write confirmed by `waitReplicas` replicas (REDIS_WAIT_REPLICAS); else one server.
   */
  redisCluster?: { waitReplicas: number };
  processes: ModuleName[][];
  /** A message whose ack or reply was lost comes back this soon. */
  ackDeadlineMs: number;
  orders: number;
  disruptions: Disruption[];
  /** How long after the last order every order must be terminal. */
  settleWithinMs: number;
  /**
   * The disruption loses acknowledged writes (a measurement, not a guarantee): the run
   * reports what was lost — accepted orders gone, orders stranded, invariants broken —
   * and asserts that something was, so the same disruption with the guard in place
   * proves the guard rather than a gentle fault.
   */
  losesWrites?: boolean;
}

/** One test per case. */
export function runFleetCases(cases: readonly FleetCase[]): void {
  for (const fleetCase of cases) {
    const binaries: BrokerBinary[] = fleetCase.bus === "nats"
      ? ["redis-server", "nats-server"]
      : ["redis-server"];
    Deno.test({
      name: fleetCase.name,
      ignore: !brokersAvailable(...binaries),
      fn: () => runFleetCase(fleetCase),
    });
  }
}

async function runFleetCase(fleetCase: FleetCase): Promise<void> {
  const started = performance.now();
  const redis = fleetCase.redisCluster
    ? await RedisCluster.open({ masters: 3, replicas: 1 })
    : await RedisBroker.open({ durable: fleetCase.durableRedis ?? false });
  let nats: NatsBroker | NatsCluster | null = null;
  let fleet: Fleet | null = null;
  try {
    if (fleetCase.bus === "nats") {
      nats = fleetCase.natsCluster ? await NatsCluster.open(CLUSTER_SIZE) : await NatsBroker.open();
    }
    fleet = await Fleet.start({
      bus: fleetCase.bus,
      redisUrl: redis.url,
      natsUrl: nats?.url,
      processes: fleetCase.processes,
      env: {
        ...(fleetCase.natsCluster ? { NATS_REPLICAS: String(CLUSTER_SIZE) } : {}),
        ...(fleetCase.redisCluster
          ? { REDIS_WAIT_REPLICAS: String(fleetCase.redisCluster.waitReplicas) }
          : {}),
        BUS_ACK_DEADLINE_MS: String(fleetCase.ackDeadlineMs),
        // Beyond the test: an order ends by its messages, never by a step timeout.
        SAGA_STEP_TIMEOUT_MS: "300000",
      },
    });
    const running: FleetRun = { fleet, redis, busBroker: nats ?? redis };
    const shop = new Shop(fleet);
    const plan = await planOrders(shop, fleetCase.orders);
    const upAt = performance.now();
    const disrupted: Promise<Disrupted>[] = [];
    const report = await runPlan(shop, plan, {
      onAccepted: (accepted) => {
        for (const disruption of fleetCase.disruptions) {
          if (disruption.after === accepted) disrupted.push(disruption.run(running));
        }
      },
    });
    const results = await Promise.all(disrupted);
    assert.equal(results.length, fleetCase.disruptions.length, "every disruption happened");
    for (const { exit } of results) {
      if (!exit) continue;
      assert.equal(exit.code, 0, `${exit.label} exit code\n${fleet.logs()}`);
      assert.ok(exit.ms < exit.withinMs, `${exit.label} took ${exit.ms} ms to exit`);
    }
    await fleet.assertAlive();

    if (fleetCase.losesWrites) {
      const lost = await lossesOf(shop, plan, fleetCase.settleWithinMs);
      console.log(
        `${results.map((r) => r.summary).join(", ")}; ${report.accepted} orders accepted; ` +
          `LOST: ${lost.gone.length} accepted orders gone, ${lost.stranded.length} stranded, ` +
          `${lost.broken.length} invariants broken (${lost.broken.slice(0, 3).join("; ")})`,
      );
      assert.ok(
        lost.gone.length + lost.stranded.length + lost.broken.length > 0,
        "this disruption loses acknowledged writes when nothing guards against it",
      );
      assert.deepEqual(await fleet.readiness(), fleet.live().map(() => 200));
      return;
    }

    const settledMs = await waitAllTerminal(shop, plan, fleetCase.settleWithinMs);
    const outcomes = await assertOutcomes(shop, plan);
    await shop.assertInvariants({ notifications: true });
    await fleet.assertAlive();
    const live = fleet.live();
    assert.deepEqual(await fleet.readiness(), live.map(() => 200));
    const codes = await fleet.stop();
    assert.deepEqual(codes, live.map(() => 0), fleet.logs());

    console.log(
      `${results.map((r) => r.summary).join(", ")}; ` +
        `${report.accepted} orders accepted in ${Math.round(performance.now() - upAt)} ms, ` +
        `${report.retried} attempts retried (${
          [...new Set(report.failures)].slice(0, 3).join("; ")
        }); ` +
        `all terminal ${settledMs} ms after the last; outcomes ${JSON.stringify(outcomes)}; ` +
        `${Math.round(performance.now() - started)} ms in all`,
    );
  } catch (error) {
    if (fleet) console.error(fleet.logs());
    if (redis instanceof RedisCluster) console.error(redis.logTails());
    for (const broker of [redis instanceof RedisBroker ? redis : null, nats]) {
      if (broker) console.error(`--- ${broker.binary} log:\n${broker.logTail()}`);
    }
    throw error;
  } finally {
    await fleet?.stop();
    await nats?.close();
    await redis.close();
  }
}

/** What a run that lost writes lost: accepted orders gone, orders never terminal, broken invariants. */
async function lossesOf(
  shop: Shop,
  plan: Awaited<ReturnType<typeof planOrders>>,
  settleWithinMs: number,
): Promise<{ gone: string[]; stranded: string[]; broken: string[] }> {
  const gone: string[] = [];
  const stranded: string[] = [];
  await waitAllTerminal(shop, plan, settleWithinMs).catch(() => {});
  for (const planned of plan.orders) {
    const reply = await shop.system.call("GET", `/orders/${planned.id}`, {
      token: shop.system.admin,
    });
    if (reply.status === 404) gone.push(planned.id!);
    else if (!["confirmed", "rejected", "cancelled", "refunded"].includes(reply.body.status)) {
      stranded.push(planned.id!);
    }
  }
  return { gone, stranded, broken: await shop.invariantProblems({ notifications: true }) };
}

/** Servers of a NATS cluster, and copies of each stream on it. */
const CLUSTER_SIZE = 3;

/** One process per module. */
const ONE_EACH: ModuleName[][] = [["inventory"], ["accounts"], ["orders"], ["messaging"]];
/** One process per module, orders twice: two members competing in the orders group. */
const ORDERS_TWICE: ModuleName[][] = [
  ["inventory"],
  ["accounts"],
  ["orders"],
  ["orders"],
  ["messaging"],
];

/** The outage lasts at least this long (and until every process has noticed it). */
const DOWN_MS = 1_000;

/**
 * The bus's broker SIGKILLed at the 20th order and started again on the same
 * port and data; while it is down every process answers /ready with 503.
 */
export function brokerCrashCase(bus: "redis" | "nats"): FleetCase {
  const label = bus === "redis" ? "Redis" : "NATS";
  return {
    name: `a ${label} crash and restart mid-stream loses, strands and double-charges nothing`,
    bus,
    // A NATS bus keeps its messages in JetStream; Redis must keep them in its AOF.
    durableRedis: bus === "redis",
    processes: ONE_EACH,
    ackDeadlineMs: 2_000,
    orders: 60,
    settleWithinMs: 45_000,
    disruptions: [{
      after: 20,
      run: async ({ fleet, busBroker }) => {
        if (busBroker instanceof RedisCluster) throw new Error("This case needs one broker");
        const downAt = performance.now();
        await busBroker.stop("SIGKILL");
        await fleet.waitReady(503, 15_000);
        const noticedMs = Math.round(performance.now() - downAt);
        await delay(Math.max(0, DOWN_MS - noticedMs));
        await busBroker.start();
        const downMs = Math.round(performance.now() - downAt);
        await fleet.waitReady(200, 30_000);
        const readyMs = Math.round(performance.now() - downAt);
        return {
          summary: `${label} down ${downMs} ms ` +
            `(every /ready 503 after ${noticedMs} ms, 200 again at ${readyMs} ms)`,
        };
      },
    }],
  };
}

/** What every bazaar process names its bus connection (`bazaar-<source>`). */
const BUS_CONNECTION = "bazaar-bazaar";

/**
 * One server of a 3-node NATS cluster SIGKILLed at the 20th order, the one
 * most processes are connected to, and left down: the processes reconnect
 * to the other two, JetStream carries on with two of three copies of every
 * stream (electing new leaders where the dead one led), and every order
 * ends as planned.
 */
export function natsNodeKillCase(): FleetCase {
  return {
    name:
      "kill -9 of one server of a 3-node NATS cluster (R3) mid-stream: the processes reconnect, nothing is lost, stranded or charged twice",
    bus: "nats",
    natsCluster: true,
    processes: ORDERS_TWICE,
    ackDeadlineMs: 2_000,
    orders: 80,
    settleWithinMs: 60_000,
    disruptions: [{
      after: 20,
      run: async ({ fleet, busBroker }) => {
        if (!(busBroker instanceof NatsCluster)) throw new Error("This case needs a NATS cluster");
        const processes = fleet.live().length;
        const before = await busBroker.connections(BUS_CONNECTION);
        const [victim, held] = [...before].sort((a, b) => b[1] - a[1])[0]!;
        const nc = await connectNats(busBroker.url);
        let leader: string | undefined;
        try {
          const jsm = await nc.jetstreamManager();
          leader = (await jsm.streams.info(natsNames(fleet.namespace).eventsStream)).cluster
            ?.leader;
        } finally {
          await nc.close();
        }
        const downAt = performance.now();
        const since = () => Math.round(performance.now() - downAt);
        await victim.stop("SIGKILL");
        const [[metaLeader, electedMs], reconnectedMs] = await Promise.all([
          busBroker.waitForMetaLeader().then((name) => [name, since()] as const),
          waitFor(async () => {
            const counts = [...(await busBroker.connections(BUS_CONNECTION)).values()];
            return counts.reduce((sum, n) => sum + n, 0) === processes;
          }, { timeoutMs: 30_000, intervalMs: 50, message: "every process connected again" })
            .then(since),
        ]);
        await fleet.waitReady(200, 30_000);
        return {
          summary: `kill -9 of NATS server ${victim.name} (${held} of ${processes} processes ` +
            `connected to it; ${victim.name === leader ? "leader" : "a replica"} of the events ` +
            `stream): every process on the other two ${reconnectedMs} ms later, meta leader ` +
            `${metaLeader} at ${electedMs} ms, every /ready 200 at ${since()} ms`,
        };
      },
    }],
  };
}

/** SIGTERM to exit: the 10 s handler grace plus the goodbyes, with room to spare. */
const EXIT_WITHIN_MS = 15_000;
/**
 * With Redis down: the 10 s grace (nothing can finish, but Redis may come
 * back), a second more, then the cut connections fail what waits on them and
 * the bus gives up its goodbyes (5 s); about 18 s in all.
 */
const EXIT_IN_OUTAGE_WITHIN_MS = 25_000;

/** Stops the last started process of `module` (the first keeps serving). */
async function stopLast(
  fleet: Fleet,
  module: ModuleName,
  signal: "SIGTERM" | "SIGKILL",
  withinMs: number,
): Promise<Disrupted> {
  const exit = await fleet.terminate(fleet.serving(module).at(-1)!, signal);
  return {
    summary: `${signal} to ${module}: exited ${exit.code} in ${exit.ms} ms`,
    // A SIGKILLed process has no say in how it ends.
    exit: signal === "SIGTERM" ? { label: module, ...exit, withinMs } : undefined,
  };
}

function stopUnderLoadCase(signal: "SIGTERM" | "SIGKILL", name: string): FleetCase {
  return {
    name,
    bus: "redis",
    // One per module plus a second orders and a second inventory.
    processes: [["inventory"], ["inventory"], ["accounts"], ["orders"], ["orders"], ["messaging"]],
    ackDeadlineMs: 3_000,
    orders: 60,
    settleWithinMs: 30_000,
    disruptions: [
      { after: 15, run: ({ fleet }) => stopLast(fleet, "orders", signal, EXIT_WITHIN_MS) },
      { after: 35, run: ({ fleet }) => stopLast(fleet, "inventory", signal, EXIT_WITHIN_MS) },
    ],
  };
}

/**
 * A SIGTERMed process stops taking work, finishes or hands back what it holds
 * and exits 0; a SIGKILLed one leaves its messages pending and its outbox
 * lease to lapse, and the survivors take both over after BUS_ACK_DEADLINE_MS.
 * SIGTERM while Redis is down cannot finish anything: the process still exits
 * 0 in bounded time, and the others redo its work once Redis is back.
 */
export const STOP_CASES: FleetCase[] = [
  stopUnderLoadCase(
    "SIGTERM",
    "SIGTERM to an orders and an inventory process under load: exit 0, nothing left undone",
  ),
  stopUnderLoadCase(
    "SIGKILL",
    "SIGKILL of an orders and an inventory process under load: the survivors take over",
  ),
  {
    name:
      "SIGKILL of the only process (every module) mid-stream, then the same command again: it picks up where the dead one stopped",
    bus: "redis",
    processes: [["inventory", "accounts", "orders", "messaging"]],
    ackDeadlineMs: 3_000,
    orders: 40,
    settleWithinMs: 30_000,
    disruptions: [{
      after: 15,
      run: async ({ fleet }) => {
        const [only] = fleet.live();
        const killed = await fleet.terminate(only!, "SIGKILL");
        const started = performance.now();
        await fleet.respawn(only!);
        return {
          summary: `SIGKILL to the all-in-one process (gone in ${killed.ms} ms), ` +
            `the same command up again in ${Math.round(performance.now() - started)} ms`,
        };
      },
    }],
  },
  {
    name: "SIGTERM while Redis is down: exit 0 in bounded time, the others finish its work",
    bus: "redis",
    durableRedis: true,
    processes: ORDERS_TWICE,
    ackDeadlineMs: 3_000,
    orders: 30,
    settleWithinMs: 30_000,
    disruptions: [{
      after: 10,
      run: async ({ fleet, redis }) => {
        if (!(redis instanceof RedisBroker)) throw new Error("This case needs one Redis server");
        await redis.stop("SIGKILL");
        await fleet.waitReady(503, 15_000);
        const stopped = await stopLast(fleet, "orders", "SIGTERM", EXIT_IN_OUTAGE_WITHIN_MS);
        await delay(100);
        await redis.start();
        await fleet.waitReady(200, 30_000);
        return { ...stopped, summary: `${stopped.summary} while Redis was down` };
      },
    }],
  },
];

/** The hash tag of the orders module's keys: the slot the Redis Cluster cases fail over. */
const ORDERS_SLOT = "{orders}";

/** What a failover of the orders' slot took, in ms from the kill. */
interface OrdersFailover {
  /** The port of the node that serves the slot now. */
  promoted: number;
  promotedMs: number;
  /** The dead node back as the new master's replica, every replica in sync. */
  rejoinedMs: number;
  readyMs: number;
}

/**
 * SIGKILLs `victim`, the master of the orders' slot (`killed` runs right after), waits for
 * another node to serve the slot, then starts the dead node again — it rejoins as the new
 * master's replica, as an orchestrator would restart it — and waits until the cluster is ok
 * and every process ready. Until then the promoted master has no replica of its own, so
 * with REDIS_WAIT_REPLICAS=1 every write there fails (503s).
 */
async function failOverOrders(
  fleet: Fleet,
  redis: RedisCluster,
  victim: NodeRole,
  killed: () => void = () => {},
): Promise<OrdersFailover> {
  const node = redis.node(victim.port);
  const downAt = performance.now();
  const since = () => Math.round(performance.now() - downAt);
  await node.stop("SIGKILL");
  killed();
  const promoted = await waitFor(async () => {
    const now = await redis.masterOf(ORDERS_SLOT).catch(() => null);
    return now && now.port !== victim.port ? now : null;
  }, { timeoutMs: 30_000, intervalMs: 50, message: "a replica promoted" });
  const promotedMs = since();
  await node.start();
  await redis.waitUntilOk(30_000);
  const rejoinedMs = since();
  await fleet.waitReady(200, 30_000);
  return { promoted: promoted.port, promotedMs, rejoinedMs, readyMs: since() };
}

/**
 * The Redis Cluster master that serves the orders module's slot (its hash tag `{orders}`:
 * every order, index and deadline) SIGKILLed at the 20th order: its replica takes over
 * within the node timeout and the processes' cluster clients follow the new slot map. With
 * REDIS_WAIT_REPLICAS=1 no write a process was told succeeded is lost — and the promoted
 * master, with no replica of its own, refuses to count writes (503) until the dead node is
 * started again and rejoins as its replica, as an orchestrator would restart it.
 */
export function redisMasterKillCase(): FleetCase {
  return {
    name:
      "kill -9 of the Redis Cluster master holding the orders' slot mid-stream (REDIS_WAIT_REPLICAS=1), then started again: its replica takes over, nothing is lost, stranded or charged twice",
    bus: "redis",
    redisCluster: { waitReplicas: 1 },
    processes: ORDERS_TWICE,
    ackDeadlineMs: 2_000,
    orders: 80,
    settleWithinMs: 60_000,
    disruptions: [{
      after: 20,
      run: async ({ fleet, redis }) => {
        if (!(redis instanceof RedisCluster)) throw new Error("This case needs a Redis Cluster");
        const victim = await redis.masterOf(ORDERS_SLOT);
        const failover = await failOverOrders(fleet, redis, victim);
        return {
          summary: `kill -9 of Redis master :${victim.port} (the orders' slot): replica ` +
            `:${failover.promoted} promoted ${failover.promotedMs} ms later, the old master ` +
            `back as its replica at ${failover.rejoinedMs} ms, every /ready 200 at ` +
            `${failover.readyMs} ms`,
        };
      },
    }],
  };
}

/** How long the orders' replica is stopped before its master dies: writes it never saw. */
const REPLICA_LAG_MS = 1_500;

/**
 * The orders' slot loses writes its replica never saw: the replica of the master holding
 * `{orders}` is stopped (SIGSTOP) and its replication link cut (CLIENT KILL TYPE replica on
 * the master) for 1.5 s under load, then the master
 * is SIGKILLed and the replica woken, promoted, and the dead node started again as its
 * replica. Without REDIS_WAIT_REPLICAS the master acknowledged those 1.5 s of writes
 * (orders placed, saga steps) and they are gone; with REDIS_WAIT_REPLICAS=1 it refused to
 * count them (503s, handler retries), and nothing a process was told succeeded is lost.
 */
export function redisLaggedFailoverCase(waitReplicas: 0 | 1): FleetCase {
  return {
    name: waitReplicas === 1
      ? "the orders' Redis replica 1.5 s behind when its master is killed, REDIS_WAIT_REPLICAS=1: nothing acknowledged is lost, stranded or charged twice"
      : "the orders' Redis replica 1.5 s behind when its master is killed, no REDIS_WAIT_REPLICAS: what is lost (measured)",
    bus: "redis",
    redisCluster: { waitReplicas },
    processes: ORDERS_TWICE,
    ackDeadlineMs: 2_000,
    orders: 80,
    settleWithinMs: waitReplicas === 1 ? 60_000 : 15_000,
    losesWrites: waitReplicas === 0,
    disruptions: [{
      after: 20,
      run: async ({ fleet, redis }) => {
        if (!(redis instanceof RedisCluster)) throw new Error("This case needs a Redis Cluster");
        const victim = await redis.masterOf(ORDERS_SLOT);
        const replicaRole = (await redis.roles()).find((role) => role.masterId === victim.id);
        if (!replicaRole) throw new Error(`Master :${victim.port} has no replica`);
        const replica = redis.node(replicaRole.port);
        replica.signal("SIGSTOP");
        // Its link cut too: what the master sent before sits in the stopped replica's socket
        // buffer and would reach it on waking; what comes after stays on the master alone.
        const killed = await redisCommand(victim.port, "CLIENT KILL TYPE replica");
        if (!killed.startsWith(":1")) throw new Error(`CLIENT KILL TYPE replica: ${killed}`);
        await delay(REPLICA_LAG_MS);
        const failover = await failOverOrders(
          fleet,
          redis,
          victim,
          () => replica.signal("SIGCONT"),
        );
        assert.equal(failover.promoted, replicaRole.port, "the lagging replica promoted");
        return {
          summary: `replica :${replicaRole.port} stopped ${REPLICA_LAG_MS} ms, then master ` +
            `:${victim.port} killed: replica promoted at ${failover.promotedMs} ms, the old ` +
            `master back as its replica and every /ready 200 at ${failover.readyMs} ms`,
        };
      },
    }],
  };
}
