/**
 * A set of real bazaar processes: one `deno run -A mod.ts --modules …` child
 * per entry, sharing the brokers, a namespace, and the same ADMIN_TOKEN and
 * AUTH_SECRET. Requests go straight to a live process that serves the path's
 * module, taking turns (no gateway: a process the test stopped simply drops
 * out). The crash and restart tests run one on brokers of their own
 * (brokers.ts), which it outlives; cluster.ts puts one behind nginx.
 *
 * @module
 */
import type { ModuleName } from "../lib/module.ts";
import { type Call, remoteCaller } from "./http_client.ts";
import { uniqueName } from "./services.ts";
import { BazaarServer, closedOnFailure } from "./spawn.ts";
import { waitFor } from "./wait.ts";

export interface FleetOptions {
  /** Redis Streams with Redis stores, or NATS JetStream with Redis stores. */
  bus: "redis" | "nats";
  redisUrl: string;
  natsUrl?: string;
  /** The bus namespace; a new one by default. */
  namespace?: string;
  /** The modules of each process, e.g. `[["inventory"], ["orders"], ["orders"]]`. */
  processes: readonly (readonly ModuleName[])[];
  /** More environment for every process (BUS_ACK_DEADLINE_MS, say). */
  env?: Record<string, string>;
  /**
   * `deno run` flags for each process, by its place among the members (a
   * respawn comes last): the soak's `--inspect=127.0.0.1:<port>`, one port each.
   */
  denoFlags?: (index: number) => string[];
}

export interface FleetMember {
  modules: readonly ModuleName[];
  server: BazaarServer;
  /** Set once the test stopped it on purpose. */
  stopped: boolean;
}

/** A process still running this long after SIGTERM is killed, and reported as code -1. */
const EXIT_PATIENCE_MS = 30_000;

export class Fleet {
  readonly admin = `admin-${crypto.randomUUID()}`;
  readonly call: Call;
  #turn = 0;

  /** The flags and environment every process starts with, for a respawn. */
  #flags: string[] = [];
  #env: Record<string, string> = {};
  #denoFlags: (index: number) => string[] = () => [];

  private constructor(readonly namespace: string, readonly members: FleetMember[]) {
    this.call = remoteCaller((path) => this.urlFor(path));
  }

  /** Starts a process again with the same command as `member` had (a supervisor's restart). */
  async respawn(member: FleetMember): Promise<FleetMember> {
    const server = await BazaarServer.start(
      ["--modules", member.modules.join(","), ...this.#flags],
      this.#env,
      this.#denoFlags(this.members.length),
    );
    const again = { modules: member.modules, server, stopped: false };
    this.members.push(again);
    return again;
  }

  static async start(options: FleetOptions): Promise<Fleet> {
    const namespace = options.namespace ?? uniqueName("fl");
    const fleet = new Fleet(namespace, []);
    const env: Record<string, string> = {
      ADMIN_TOKEN: fleet.admin,
      AUTH_SECRET: `secret-${crypto.randomUUID()}`,
      LOG_LEVEL: Deno.env.get("TEST_LOG") === "1" ? "debug" : "warn",
      ...options.env,
    };
    const flags = [
      "--bus",
      options.bus,
      "--store",
      "redis",
      "--redis-url",
      options.redisUrl,
      ...(options.natsUrl ? ["--nats-url", options.natsUrl] : []),
      "--namespace",
      namespace,
    ];
    fleet.#flags = flags;
    fleet.#env = env;
    fleet.#denoFlags = options.denoFlags ?? fleet.#denoFlags;
    const started = await Promise.allSettled(
      options.processes.map((modules, i) =>
        BazaarServer.start(["--modules", modules.join(","), ...flags], env, fleet.#denoFlags(i))
      ),
    );
    const servers = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) {
      await Promise.all(servers.map((server) => server.kill("SIGKILL")));
      throw (failed as PromiseRejectedResult).reason;
    }
    options.processes.forEach((modules, i) =>
      fleet.members.push({ modules, server: servers[i]!, stopped: false })
    );
    await closedOnFailure(fleet.waitReady(), () => fleet.kill());
    return fleet;
  }

  /** A live process serving the path's module, taking turns among several. */
  urlFor(path: string): string {
    const module = path.split(/[/?]/)[1] as ModuleName;
    const serving = this.live().filter((m) => m.modules.includes(module));
    if (serving.length === 0) throw new Error(`No running process serves "${path}"`);
    return serving[this.#turn++ % serving.length]!.server.url;
  }

  /** The processes the test has not stopped. */
  live(): FleetMember[] {
    return this.members.filter((m) => !m.stopped);
  }

  /** The live processes that run `module`. */
  serving(module: ModuleName): FleetMember[] {
    return this.live().filter((m) => m.modules.includes(module));
  }

  /** Fails when a process the test did not stop has exited (a crash), with its log. */
  async assertAlive(): Promise<void> {
    for (const member of this.live()) {
      const exit = await Promise.race([
        member.server.exited.then((status) => status.code),
        Promise.resolve(null),
      ]);
      if (exit !== null) {
        throw new Error(
          `The ${member.modules.join(",")} process died (exit ${exit}):\n${member.server.logs()}`,
        );
      }
    }
  }

  /** GET /ready of every live process: its status (0 when unreachable), in member order. */
  async readiness(): Promise<number[]> {
    return await Promise.all(
      this.live().map(async ({ server }) => {
        try {
          const response = await fetch(`${server.url}/ready`);
          await response.body?.cancel();
          return response.status;
        } catch {
          return 0;
        }
      }),
    );
  }

  /** Waits until every live process answers /ready with `status`. */
  async waitReady(status = 200, timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => (await this.readiness()).every((s) => s === status), {
      timeoutMs,
      intervalMs: 100,
      message: `every process answering /ready with ${status}`,
    });
  }

  /** SIGTERMs (or kills) one process; its exit code (-1: hung, killed) and how long it took. */
  async terminate(
    member: FleetMember,
    signal: Deno.Signal = "SIGTERM",
  ): Promise<{ code: number; ms: number }> {
    member.stopped = true;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<"hung">((resolve) => {
      timer = setTimeout(resolve, EXIT_PATIENCE_MS, "hung");
    });
    const exit = await Promise.race([member.server.kill(signal), hung]);
    clearTimeout(timer);
    if (exit === "hung") await member.server.kill("SIGKILL");
    return { code: exit === "hung" ? -1 : exit, ms: Math.round(performance.now() - started) };
  }

  /** Every process's output, for a failure message. */
  logs(): string {
    return this.members.map((m) => `--- ${m.modules.join(",")}:\n${m.server.logs()}`).join("\n");
  }

  /** SIGKILLs every live process at once, for a start that failed. */
  async kill(): Promise<void> {
    await Promise.all(
      this.live().map((m) => {
        m.stopped = true;
        return m.server.kill("SIGKILL");
      }),
    );
  }

  /** SIGTERMs every live process; their exit codes. */
  async stop(): Promise<number[]> {
    return await Promise.all(this.live().map(async (m) => (await this.terminate(m)).code));
  }
}
