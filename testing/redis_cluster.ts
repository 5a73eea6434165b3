/**
 * A Redis Cluster of the test's own: `masters` redis-server processes in
 * cluster mode on private free ports (client port and cluster bus port both
 * chosen, not port + 10000), each with `replicas` replicas, joined by
 * `redis-cli --cluster create` (fewer than three masters, which it refuses,
 * by hand: slots assigned, nodes met, replicas attached). `open()` resolves
 * once every node reports
 * `cluster_state:ok` and sees every other. A master may be killed (SIGKILL,
 * a crash) and its replica is promoted by the cluster itself within the node
 * timeout; `url` names every node, as REDIS_URL names a cluster
 * (`redis+cluster://host:port,host:port,…`).
 *
 * With `tls`, every node listens only on a TLS port (`--port 0`), the cluster
 * bus and replication run over TLS too, and only the ACL user gets in (the
 * default user is off; replicas log in to their master as that user): the
 * harness's own commands and probes talk TLS with the password, and `url` is
 * `rediss+cluster://user:password@…`.
 *
 * Skips and failures follow brokers.ts: `brokersAvailable("redis-server")`
 * (with tls, tls_brokers.ts: `tlsBrokersAvailable("redis-server")`).
 *
 * @module
 */
import { join } from "node:path";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import {
  findBinary,
  prepare,
  PrivateBroker,
  redisCommand,
  redisServerFiles,
  SharedPrivate,
  started,
} from "./brokers.ts";
import { freePort } from "./spawn.ts";
import {
  type ClusterTls,
  type NodeTls,
  tlsConnectOptions,
  tlsNodeArgs,
  writeTlsConfig,
} from "./redis_cluster_tls.ts";
import { answersOverTls } from "./tls_brokers.ts";
import { waitFor } from "./wait.ts";

export type { ClusterTls } from "./redis_cluster_tls.ts";

/**
 * How long a master may be silent before the others count it as failed and
 * its replica takes over (redis' default is 15 s; a test wants it quicker).
 */
export const NODE_TIMEOUT_MS = 2_000;

/** Redis Cluster's hash slots. */
const SLOTS = 16_384;

/** How long a new cluster may take to form (every node ok, every replica in sync). */
const FORM_TIMEOUT_MS = 60_000;

export class RedisClusterNode extends PrivateBroker {
  readonly url: string;

  constructor(
    binary: string,
    dir: string,
    port: number,
    readonly busPort: number,
    private readonly tls: NodeTls | null = null,
  ) {
    super(binary, port, dir);
    this.url = `${tls ? "rediss" : "redis"}://127.0.0.1:${port}`;
  }

  protected args(): string[] {
    return [
      ...(this.tls ? tlsNodeArgs(this.port, this.tls) : ["--port", String(this.port)]),
      ...redisServerFiles(this.dir, this.logFile()),
      "--appendonly",
      "no",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(this.dir, "nodes.conf"),
      "--cluster-port",
      String(this.busPort),
      "--cluster-node-timeout",
      String(NODE_TIMEOUT_MS),
      // A node learns its address from a peer's MEET: a lone master (one-master
      // cluster) would give clients "" as its address in CLUSTER SLOTS.
      "--cluster-announce-ip",
      "127.0.0.1",
    ];
  }

  protected logFile(): string {
    return join(this.dir, "redis.log");
  }

  protected async answers(): Promise<boolean> {
    if (this.tls) return await answersOverTls(this.port, this.tls.certs, this.tls.hostname);
    return (await redisCommand(this.port, "PING")).startsWith("+PONG");
  }
}

/** One line of CLUSTER NODES. */
export interface NodeRole {
  id: string;
  port: number;
  role: "master" | "replica";
  /** The master a replica copies; null for a master. */
  masterId: string | null;
  /** Slot ranges a master serves, as CLUSTER NODES writes them ("0-5460"). */
  slots: string[];
  failed: boolean;
}

export class RedisCluster {
  private constructor(
    readonly nodes: readonly RedisClusterNode[],
    readonly dir: string,
    /** How many masters serve the slots. */
    readonly masters: number,
    readonly tls: ClusterTls | null,
    /** What the harness's own connections add: TLS with the CA, the user and password. */
    private readonly connectOptions: RedisOptions,
  ) {}

  /**
   * Every node, as a cluster URL: what REDIS_URL names for a cluster
   * (`rediss+cluster://user:password@…` for a TLS cluster).
   */
  get url(): string {
    const host = this.tls?.hostname ?? "127.0.0.1";
    const nodes = this.nodes.map((node) => `${host}:${node.port}`).join(",");
    if (!this.tls) return `redis+cluster://${nodes}`;
    return `rediss+cluster://${this.tls.user}:${this.tls.password}@${nodes}`;
  }

  /** The nodes' addresses, as ioredis' Cluster takes them. */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((node) => ({ host: "127.0.0.1", port: node.port }));
  }

  /**
   * Starts `masters × (1 + replicas)` nodes, joins them and waits until the
   * cluster is ok; with `tls`, a TLS-only cluster that lets in only that user.
   */
  static async open(
    { masters = 3, replicas = 1, tls }: { masters?: number; replicas?: number; tls?: ClusterTls } =
      {},
  ): Promise<RedisCluster> {
    const { binary, dir } = await prepare("redis-server");
    const nodeTls = tls ? { ...tls, config: await writeTlsConfig(dir, tls) } : null;
    const nodes = Array.from(
      { length: masters * (1 + replicas) },
      (_, i) =>
        new RedisClusterNode(binary, join(dir, `n${i + 1}`), freePort(), freePort(), nodeTls),
    );
    const connectOptions = tls ? await tlsConnectOptions(tls) : {};
    const cluster = new RedisCluster(nodes, dir, masters, tls ?? null, connectOptions);
    try {
      await Promise.all(nodes.map((node) => Deno.mkdir(node.dir, { recursive: true })));
      await Promise.all(nodes.map((node) => started(node)));
      if (masters >= 3) await cluster.#create(replicas);
      else await cluster.#join(replicas);
      // Six nodes forming beside other test files' clusters on two cores: give it time.
      await cluster.waitUntilOk(FORM_TIMEOUT_MS);
      return cluster;
    } catch (error) {
      // The logs go with the directory: keep what they say in the error.
      const roles = await cluster.roles().catch(() => []);
      const seen = roles.map((r) => `:${r.port} ${r.role}${r.failed ? " (failed)" : ""}`);
      const logs = cluster.logTails();
      await cluster.close();
      throw new Error(
        `${(error as Error).message}\nroles: ${seen.join(", ") || "none answered"}\n${logs}`,
        { cause: error },
      );
    }
  }

  async #create(replicas: number): Promise<void> {
    const cli = findBinary("redis-server")!.replace(/redis-server$/, "redis-cli");
    const tls = this.tls;
    const output = await new Deno.Command(cli, {
      args: [
        // The password goes in REDISCLI_AUTH, never on the command line.
        ...(tls ? ["--tls", "--cacert", tls.certs.paths.ca, "--user", tls.user] : []),
        "--cluster",
        "create",
        ...this.nodes.map((node) => `127.0.0.1:${node.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      ...(tls ? { env: { REDISCLI_AUTH: tls.password } } : {}),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const text = new TextDecoder().decode(output.stdout) +
        new TextDecoder().decode(output.stderr);
      throw new Error(`redis-cli --cluster create failed:\n${text}`);
    }
  }

  /**
   * What `redis-cli --cluster create` does, for one or two masters (it wants
   * three): the first `masters` nodes share the slots, every node meets the
   * first, and once all know each other each replica copies its master
   * (replicas of a master follow it in the node list, as redis-cli puts them).
   */
  async #join(replicas: number): Promise<void> {
    const masters = this.nodes.slice(0, this.masters);
    const ids = await Promise.all(
      this.nodes.map((node) => this.#command(node, "CLUSTER", "MYID") as Promise<string>),
    );
    await Promise.all(masters.map((node, i) => {
      const from = Math.floor((SLOTS * i) / masters.length);
      const to = Math.floor((SLOTS * (i + 1)) / masters.length) - 1;
      return this.#command(node, "CLUSTER", "ADDSLOTSRANGE", from, to);
    }));
    const first = this.nodes[0]!;
    for (const node of this.nodes.slice(1)) {
      await this.#command(first, "CLUSTER", "MEET", "127.0.0.1", node.port, node.busPort);
    }
    await waitFor(async () => {
      // By id: a node still in handshake is counted as known, but cannot be replicated.
      for (const node of this.nodes) {
        const known = parseNodes(await this.#command(node, "CLUSTER", "NODES") as string);
        if (!ids.every((id) => known.some((role) => role.id === id))) return false;
      }
      return true;
    }, { timeoutMs: 10_000, intervalMs: 50, message: "Redis Cluster nodes met" });
    for (let i = 0; i < masters.length; i++) {
      for (let r = 1; r <= replicas; r++) {
        const replica = this.nodes[masters.length + i * replicas + r - 1]!;
        await this.#command(replica, "CLUSTER", "REPLICATE", ids[i]!);
      }
    }
  }

  /** One command on one node, failing with its error (the cluster is being made). */
  async #command(node: RedisClusterNode, ...args: (string | number)[]): Promise<unknown> {
    const redis = new Redis(node.port, "127.0.0.1", {
      ...this.connectOptions,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    try {
      await redis.connect();
      return await redis.call(...(args.map(String) as [string, ...string[]]));
    } finally {
      redis.disconnect();
    }
  }

  /** A connection to one node (for CLUSTER commands and role checks), TLS on a TLS cluster. */
  async #ask<T>(node: RedisClusterNode, ask: (redis: Redis) => Promise<T>): Promise<T | null> {
    if (!node.running) return null;
    const redis = new Redis(node.port, "127.0.0.1", {
      ...this.connectOptions,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1_000,
    });
    redis.on("error", () => {});
    try {
      await redis.connect();
      return await ask(redis);
    } catch {
      return null;
    } finally {
      redis.disconnect();
    }
  }

  /** Roles as a live node sees them; [] when none answers. */
  async roles(): Promise<NodeRole[]> {
    for (const node of this.nodes) {
      const text = await this.#ask(node, (redis) => redis.cluster("NODES") as Promise<string>);
      if (text) return parseNodes(text);
    }
    return [];
  }

  /**
   * Waits until every running node says `cluster_state:ok`, as many masters
   * as the cluster was made with serve slots (none of them failed), and
   * every other running node is a replica, in sync with its master when
   * that master is alive.
   */
  async waitUntilOk(timeoutMs = 30_000): Promise<void> {
    const running = this.nodes.filter((node) => node.running);
    const ports = new Set(running.map((node) => node.port));
    await waitFor(async () => {
      for (const node of running) {
        const info = await this.#ask(node, (redis) => redis.cluster("INFO") as Promise<string>);
        if (!info?.includes("cluster_state:ok")) return false;
      }
      const live = (await this.roles()).filter((role) => ports.has(role.port) && !role.failed);
      const serving = live.filter((role) => role.role === "master" && role.slots.length > 0);
      const replicas = live.filter((role) => role.role === "replica");
      if (serving.length !== this.masters) return false;
      if (serving.length + replicas.length !== running.length) return false;
      // A replica that has not finished its first sync could never take over.
      for (const replica of replicas) {
        const info = await this.#ask(
          this.node(replica.port),
          (redis) => redis.info("replication"),
        );
        if (
          replica.masterId && ports.has(this.#portOf(live, replica.masterId)) &&
          !info?.includes("master_link_status:up")
        ) return false;
      }
      return true;
    }, { timeoutMs, intervalMs: 100, message: "Redis Cluster state ok" });
  }

  #portOf(roles: NodeRole[], id: string): number {
    return roles.find((role) => role.id === id)?.port ?? -1;
  }

  /** The live master serving `key`'s slot (a hash tag such as `{orders}` names a module's). */
  async masterOf(key: string): Promise<NodeRole> {
    const live = this.nodes.find((node) => node.running);
    if (!live) throw new Error("No node of the cluster is running");
    const slot = await this.#ask(
      live,
      async (redis) => Number(await redis.cluster("KEYSLOT", key)),
    );
    const master = (await this.roles()).find((role) =>
      role.role === "master" && !role.failed && slot !== null &&
      role.slots.some((range) => {
        const [from, to = from] = range.split("-").map(Number);
        return slot >= from! && slot <= to!;
      })
    );
    if (!master) throw new Error(`No live master serves slot ${slot} (${key})`);
    return master;
  }

  /** The last lines of every node's log, for a failed test's output. */
  logTails(lines = 15): string {
    return this.nodes.map((node) => `--- redis node :${node.port}:\n${node.logTail(lines)}`)
      .join("\n");
  }

  /** The node process on `port`. */
  node(port: number): RedisClusterNode {
    const node = this.nodes.find((each) => each.port === port);
    if (!node) throw new Error(`No node on port ${port}`);
    return node;
  }

  /** A client for the whole cluster (ioredis Cluster), slots followed and redirections taken. */
  client(): Cluster {
    const cluster = new Cluster(this.startupNodes, {
      redisOptions: { ...this.connectOptions, maxRetriesPerRequest: 0 },
      clusterRetryStrategy: (times) => Math.min(100 * times, 1_000),
    });
    cluster.on("error", () => {});
    return cluster;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.close()));
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`. */
export function parseNodes(text: string): NodeRole[] {
  return text.trim().split("\n").filter(Boolean).map((line) => {
    const [id, address, flags, master, , , , , ...slots] = line.trim().split(" ");
    const port = Number(/:(\d+)@/.exec(address ?? "")?.[1]);
    const flagList = (flags ?? "").split(",");
    return {
      id: id!,
      port,
      role: flagList.includes("master") ? "master" : "replica", // "slave" in redis 7's words
      masterId: master && master !== "-" ? master : null,
      slots: slots.filter((slot) => !slot.startsWith("[")),
      failed: flagList.includes("fail") || flagList.includes("fail?"),
    };
  });
}

/** One private Redis Cluster for a whole test file (SharedPrivate). */
export class SharedRedisCluster extends SharedPrivate<RedisCluster> {
  constructor(options: { masters?: number; replicas?: number } = {}) {
    super("redis-server", "Redis Cluster", () => RedisCluster.open(options));
  }
}
