/**
 * A NATS JetStream cluster of the test's own: `size` nats-server processes on
 * private free ports, each with a server name, a store directory of its own
 * and routes to every other, in one cluster; `url` names every node, as
 * NATS_URL would. `open()` resolves once a meta leader is elected, so streams
 * with replicas can be created at once. A node may be killed and started
 * again on the same ports and store, as a crashed server that comes back.
 *
 * Skips and failures follow brokers.ts: `brokersAvailable("nats-server")`.
 *
 * @module
 */
import { join } from "node:path";
import { prepare, PrivateBroker, SharedPrivate, started } from "./brokers.ts";
import { answersOk } from "./http_client.ts";
import { freePort } from "./spawn.ts";
import { waitFor } from "./wait.ts";

/** What a node's monitor says of JetStream's meta group (GET /jsz). */
interface MetaCluster {
  leader?: string;
  cluster_size?: number;
}

export class NatsClusterNode extends PrivateBroker {
  readonly url: string;

  constructor(
    binary: string,
    dir: string,
    readonly name: string,
    readonly clusterName: string,
    readonly ports: { client: number; cluster: number; monitor: number },
    /** The cluster ports of the other nodes. */
    readonly routes: readonly number[],
  ) {
    super(binary, ports.client, dir);
    this.url = `nats://127.0.0.1:${ports.client}`;
  }

  /** JetStream's meta group as this node sees it; null when it does not answer. */
  async meta(): Promise<MetaCluster | null> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.ports.monitor}/jsz`);
      if (!response.ok) {
        await response.body?.cancel();
        return null;
      }
      return ((await response.json()) as { meta_cluster?: MetaCluster }).meta_cluster ?? null;
    } catch {
      return null;
    }
  }

  /** The names clients gave their connections to this node (GET /connz); [] when it is down. */
  async connectionNames(): Promise<string[]> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.ports.monitor}/connz?limit=4096`);
      if (!response.ok) {
        await response.body?.cancel();
        return [];
      }
      const body = (await response.json()) as { connections?: { name?: string }[] };
      return (body.connections ?? []).map((c) => c.name ?? "");
    } catch {
      return [];
    }
  }

  protected args(): string[] {
    return [
      "-a",
      "127.0.0.1",
      "-p",
      String(this.ports.client),
      "-m",
      String(this.ports.monitor),
      "--server_name",
      this.name,
      "-js",
      "-sd",
      join(this.dir, "jetstream"),
      "--cluster_name",
      this.clusterName,
      "--cluster",
      `nats://127.0.0.1:${this.ports.cluster}`,
      "--routes",
      this.routes.map((port) => `nats://127.0.0.1:${port}`).join(","),
      "-l",
      this.logFile(),
    ];
  }

  protected logFile(): string {
    return join(this.dir, "nats.log");
  }

  /** /healthz answers 200 once this node has a meta leader and its streams are current. */
  protected answers(): Promise<boolean> {
    return answersOk(`http://127.0.0.1:${this.ports.monitor}/healthz`);
  }
}

export class NatsCluster {
  private constructor(
    readonly binary: string,
    readonly nodes: readonly NatsClusterNode[],
    readonly dir: string,
  ) {}

  /** Every node's client URL, comma-separated: what NATS_URL names. */
  get url(): string {
    return this.nodes.map((node) => node.url).join(",");
  }

  /** Starts `size` nodes at once (each waits for the others) and waits for a meta leader. */
  static async open(size = 3): Promise<NatsCluster> {
    const { binary, dir } = await prepare("nats-server");
    const clusterName = `bazaar-${crypto.randomUUID().slice(0, 8)}`;
    const ports = Array.from({ length: size }, () => ({
      client: freePort(),
      cluster: freePort(),
      monitor: freePort(),
    }));
    const nodes = ports.map((own, i) =>
      new NatsClusterNode(
        binary,
        join(dir, `n${i + 1}`),
        `n${i + 1}`,
        clusterName,
        own,
        ports.filter((_, j) => j !== i).map((other) => other.cluster),
      )
    );
    const cluster = new NatsCluster(binary, nodes, dir);
    try {
      await Promise.all(nodes.map((node) => Deno.mkdir(node.dir, { recursive: true })));
      await Promise.all(nodes.map((node) => started(node)));
      await cluster.waitForMetaLeader();
      return cluster;
    } catch (error) {
      const logs = cluster.logTail();
      await cluster.close();
      throw new Error(`${(error as Error).message}\n${logs}`);
    }
  }

  /** The running nodes. */
  running(): NatsClusterNode[] {
    return this.nodes.filter((node) => node.running);
  }

  node(name: string): NatsClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`No node "${name}" in the cluster`);
    return node;
  }

  /**
   * Waits until every running node names the same meta leader, itself a
   * running node, and returns its name.
   */
  async waitForMetaLeader(timeoutMs = 20_000): Promise<string> {
    return await waitFor(async () => {
      const running = this.running();
      const metas = await Promise.all(running.map((node) => node.meta()));
      const leader = metas[0]?.leader;
      if (!leader || !running.some((node) => node.name === leader)) return null;
      return metas.every((meta) => meta?.leader === leader) ? leader : null;
    }, { timeoutMs, intervalMs: 100, message: "a JetStream meta leader every node agrees on" });
  }

  /** Stops every node, keeping their stores: the whole cluster down at once. */
  async stop(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop(signal)));
  }

  /** Starts every stopped node again (each waits for the others) and waits for a meta leader. */
  async start(): Promise<void> {
    await Promise.all(this.nodes.filter((node) => !node.running).map((node) => node.start()));
    await this.waitForMetaLeader();
  }

  /** The end of every node's log, for a failure message. */
  logTail(lines = 30): string {
    return this.nodes.map((node) => `--- ${node.name}:\n${node.logTail(lines)}`).join("\n");
  }

  /** How many client connections named `name` each running node holds. */
  async connections(name: string): Promise<Map<NatsClusterNode, number>> {
    const counts = new Map<NatsClusterNode, number>();
    for (const node of this.running()) {
      counts.set(node, (await node.connectionNames()).filter((n) => n === name).length);
    }
    return counts;
  }

  /** The running node a client connection named `name` is on, if any. */
  async holding(name: string): Promise<NatsClusterNode | null> {
    for (const node of this.running()) {
      if ((await node.connectionNames()).includes(name)) return node;
    }
    return null;
  }

  /** Stops every node and deletes the cluster's directory. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.close()));
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** One private NATS cluster of `size` servers for a whole test file (SharedPrivate). */
export class SharedNatsCluster extends SharedPrivate<NatsCluster> {
  constructor(readonly size = 3) {
    super("nats-server", "NATS cluster", () => NatsCluster.open(size));
  }
}
