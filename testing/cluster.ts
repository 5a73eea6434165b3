/**
 * The split deployment of compose.yaml, for real, on this machine: a fleet
 * (fleet.ts) of one process per member (orders twice, competing in one
 * consumer group) on Redis Streams or NATS JetStream with Redis stores, behind
 * an nginx gateway that includes the real deploy/nginx/routes.conf.
 *
 * A cluster has a bus namespace and a store key prefix (`KEY_PREFIX`) of its
 * own, so it shares REDIS_URL and NATS_URL with other test runs; `stop()`
 * stops nginx, sends every process SIGTERM, and deletes the cluster's keys
 * and streams. Its Redis may be a Redis Cluster (`redisUrl:
 * "redis+cluster://…"`): keys are then found and deleted on every master.
 *
 * @module
 */
import { deleteNamespace } from "./bus/nats_cleanup.ts";
import { connectNats } from "../bus/nats/connection.ts";
import { natsNames } from "../bus/nats/names.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import type { ModuleName } from "../lib/module.ts";
import { type Call, remoteCaller } from "./http_client.ts";
import { Gateway, nginxAvailable } from "./gateway.ts";
import { type Sample, scrapeMetrics } from "./metrics.ts";
import { connectRedisClient, deleteKeys } from "./redis.ts";
import { serviceUrl, uniqueName } from "./services.ts";
import type { BazaarServer } from "./spawn.ts";
import { Fleet } from "./fleet.ts";
import { setupAvailable } from "./system.ts";

export type ClusterBus = "redis" | "nats";

export interface MemberSpec {
  /** Unique in the cluster: "orders-2", say. */
  name: string;
  modules: readonly ModuleName[];
}

/** compose.yaml's layout: one process per module, a second orders, and the pages' web. */
export const SPLIT: readonly MemberSpec[] = [
  { name: "inventory", modules: ["inventory"] },
  { name: "accounts", modules: ["accounts"] },
  { name: "orders-1", modules: ["orders"] },
  { name: "orders-2", modules: ["orders"] },
  { name: "messaging", modules: ["messaging"] },
  { name: "web", modules: ["web"] },
];

export interface ClusterOptions {
  bus: ClusterBus;
  members?: readonly MemberSpec[];
  /** More environment for every process (FEE_BPS, SAGA_STEP_TIMEOUT_MS, …). */
  env?: Readonly<Record<string, string>>;
  /** Another NATS than NATS_URL for the nats bus (a private cluster, say). */
  natsUrl?: string;
  /** Another Redis than REDIS_URL for bus and stores (a private Redis Cluster's URL, say). */
  redisUrl?: string;
}

export interface Member extends MemberSpec {
  server: BazaarServer;
  /** This process directly, past the gateway. */
  url: string;
  call: Call;
  metrics(): Promise<Sample[]>;
}

export interface StoppedMember {
  name: string;
  code: number;
  logs: string;
}

export interface Cluster {
  bus: ClusterBus;
  namespace: string;
  keyPrefix: string;
  /** The Redis of the stores (and of the redis bus): one server, or a cluster's nodes. */
  redisUrl: string;
  /** The admin token every process shares. */
  admin: string;
  gateway: Gateway;
  /** Through the gateway, as a client of compose's deployment would call. */
  call: Call;
  members: readonly Member[];
  member(name: string): Member;
  /** The members that run `module`. */
  serving(module: ModuleName): Member[];
  /**
   * How many events of `types` the cluster's bus holds: each published event
   * once (a re-publish NATS deduplicated is not there; one Redis took twice is).
   */
  eventsPublished(types: readonly string[]): Promise<number>;
  /** Every member's log, for a failure message. */
  logs(): string;
  /** Stops the gateway and the processes (SIGTERM), deletes keys and streams; exit codes. */
  stop(): Promise<StoppedMember[]>;
}

/** Whether a cluster on `bus` can start here: Redis (and NATS) configured, nginx installed. */
export function clusterAvailable(bus: ClusterBus): boolean {
  return setupAvailable(bus) && nginxAvailable();
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const members = options.members ?? SPLIT;
  const redisUrl = options.redisUrl ?? serviceUrl("REDIS_URL");
  const natsUrl = options.bus === "nats" ? options.natsUrl ?? serviceUrl("NATS_URL") : null;
  if (!redisUrl || (options.bus === "nats" && !natsUrl)) {
    throw new Error(`A cluster on ${options.bus} needs REDIS_URL${natsUrl ? "" : " and NATS_URL"}`);
  }
  const namespace = uniqueName("cl");
  const keyPrefix = `${uniqueName("k")}:`;

  const cleanUp = async () => {
    const redis = await connectRedisClient(redisUrl);
    try {
      for (const prefix of [new RedisKeys(namespace).prefix, keyPrefix]) {
        await deleteKeys(redis, prefix);
      }
    } finally {
      await redis.quit();
    }
    if (natsUrl) await deleteNamespace(natsUrl, namespace);
  };
  let fleet: Fleet | null = null;
  let gateway: Gateway | null = null;
  try {
    fleet = await Fleet.start({
      bus: options.bus,
      redisUrl,
      natsUrl: natsUrl ?? undefined,
      namespace,
      processes: members.map((spec) => spec.modules),
      env: { ...options.env, KEY_PREFIX: keyPrefix },
    });
    const upstreams: Record<string, number[]> = {};
    for (const member of fleet.members) {
      for (const module of member.modules) (upstreams[module] ??= []).push(member.server.port);
    }
    gateway = await Gateway.start(upstreams);
  } catch (error) {
    await fleet?.kill();
    await cleanUp();
    throw error;
  }

  const processes = fleet;
  const all: Member[] = processes.members.map(({ server }, i) => ({
    ...members[i]!,
    server,
    url: server.url,
    call: remoteCaller(server.url),
    metrics: () => scrapeMetrics(server.url),
  }));
  const gate = gateway;
  let stopped: Promise<StoppedMember[]> | null = null;
  return {
    bus: options.bus,
    namespace,
    keyPrefix,
    redisUrl,
    admin: processes.admin,
    gateway: gate,
    call: remoteCaller(gate.url),
    members: all,
    member(name) {
      const found = all.find((member) => member.name === name);
      if (!found) throw new Error(`No member "${name}" in this cluster`);
      return found;
    },
    serving: (module) => all.filter((member) => member.modules.includes(module)),
    eventsPublished: (types) =>
      natsUrl ? natsEvents(natsUrl, namespace, types) : redisEvents(redisUrl, namespace, types),
    logs: () =>
      [
        ...all.map((member) => `--- ${member.name}:\n${member.server.logs()}`),
        `--- nginx:\n${gate.logs()}`,
      ].join("\n"),
    stop() {
      stopped ??= (async () => {
        await gate.stop();
        const exits = await Promise.all(processes.members.map(async (member, i) => ({
          name: all[i]!.name,
          code: (await processes.terminate(member)).code,
          logs: member.server.logs(),
        })));
        await cleanUp();
        return exits;
      })();
      return stopped;
    },
  };
}

async function natsEvents(url: string, namespace: string, types: readonly string[]) {
  const names = natsNames(namespace);
  const nc = await connectNats(url, { name: `bazaar-count-${namespace}` });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(names.eventsStream, {
      subjects_filter: `${namespace}.events.>`,
    });
    const counts = info.state.subjects ?? {};
    return types.reduce((sum, type) => sum + (counts[names.eventSubject(type)] ?? 0), 0);
  } finally {
    await nc.close();
  }
}

async function redisEvents(url: string, namespace: string, types: readonly string[]) {
  const keys = new RedisKeys(namespace);
  // XLEN names one key: a cluster client sends it to the master of the bus's slot.
  const redis = await connectRedisClient(url);
  try {
    let sum = 0;
    for (const type of types) sum += await redis.xlen(keys.stream(type));
    return sum;
  } finally {
    await redis.quit();
  }
}
