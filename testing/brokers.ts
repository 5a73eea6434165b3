/**
 * Private brokers for the resilience tests: a `redis-server` or a
 * `nats-server -js` of the test's own, as child processes on free ports, that
 * a test may kill and start again on the same port and with the same data
 * (Redis AOF, JetStream store) to play a broker restart. `close()` stops the
 * server and deletes its temporary directory.
 *
 * A test that needs a broker binary skips loudly when it is missing, and
 * fails instead when REQUIRE_SERVICES=1 (CI).
 *
 * @module
 */
import { join } from "node:path";
import { answersOk } from "./http_client.ts";
import { closedOnFailure, freePort } from "./spawn.ts";
import { delay, waitFor } from "./wait.ts";

export type BrokerBinary = "redis-server" | "nats-server";

/** Where Debian and friends put the binaries, besides PATH (nats-server lives in /usr/sbin). */
const EXTRA_DIRS = ["/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/sbin"];

/** The binary's path, or null when it is nowhere to be found. */
export function findBinary(name: BrokerBinary): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return null;
}

const warned = new Set<string>();

/**
 * Whether every binary is installed. Missing ones make the caller skip, with a
 * loud warning, or throw when REQUIRE_SERVICES=1.
 */
export function brokersAvailable(...names: BrokerBinary[]): boolean {
  const missing = names.filter((name) => findBinary(name) === null);
  if (missing.length === 0) return true;
  if (Deno.env.get("REQUIRE_SERVICES") === "1") {
    throw new Error(`${missing.join(" and ")} not found, but REQUIRE_SERVICES=1 demands it`);
  }
  for (const name of missing) {
    if (warned.has(name)) continue;
    warned.add(name);
    console.warn(
      `\n!!! ${name} is not installed: SKIPPING every test that starts a private one. ` +
        `Install it (and set REQUIRE_SERVICES=1 to fail instead of skipping).\n`,
    );
  }
  return false;
}

/** How long a (re)started broker may take to answer. */
const START_TIMEOUT_MS = 15_000;

/**
 * One broker process, started and stopped as often as a test likes on one
 * port with one data directory.
 */
export abstract class PrivateBroker {
  #child: Deno.ChildProcess | null = null;
  #closed = false;

  protected constructor(
    readonly binary: string,
    readonly port: number,
    /** Data and log files; deleted by close(). */
    readonly dir: string,
  ) {}

  abstract readonly url: string;
  protected abstract args(): string[];
  protected abstract logFile(): string;
  /** Resolves true once the server takes work (not merely listens). */
  protected abstract answers(): Promise<boolean>;

  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts the server (again) and waits until it answers. */
  async start(): Promise<void> {
    if (this.#closed) throw new Error(`${this.binary} on port ${this.port} is closed`);
    if (this.#child) throw new Error(`${this.binary} on port ${this.port} is already running`);
    const child = new Deno.Command(this.binary, {
      args: this.args(),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#child = child;
    let exited = false;
    child.status.then(() => exited = true);
    try {
      await waitFor(async () => {
        if (exited) throw new Error(`${this.binary} exited at start`);
        return await this.answers();
      }, {
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 50,
        message: `${this.binary} on port ${this.port} answering`,
      });
    } catch (error) {
      await this.stop("SIGKILL");
      throw new Error(`${(error as Error).message}\n--- ${this.logFile()}:\n${this.logTail()}`);
    }
  }

  /**
   * Stops the server, keeping its data for the next start(): SIGKILL plays a
   * crash (only what was fsynced survives), SIGTERM a clean shutdown.
   */
  async stop(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    await child.status;
  }

  /** Sends `signal` and returns: SIGSTOP leaves the server connected and silent, SIGCONT wakes it. */
  signal(signal: "SIGSTOP" | "SIGCONT"): void {
    this.#child?.kill(signal);
  }

  /** Stops the server and deletes its directory. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stop("SIGKILL");
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** The end of the server's log, for a failure message. */
  logTail(lines = 30): string {
    try {
      return Deno.readTextFileSync(this.logFile()).trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}

/** The binary's path and a new temporary directory for its data ("bazaar-redis-…"). */
export async function prepare(name: BrokerBinary): Promise<{ binary: string; dir: string }> {
  const binary = findBinary(name);
  if (!binary) throw new Error(`${name} is not installed`);
  const prefix = `bazaar-${name.replace(/-server$/, "")}-`;
  return { binary, dir: await Deno.makeTempDir({ prefix }) };
}

/** Starts a new broker; one that does not come up is closed (its directory deleted). */
export async function started<B extends PrivateBroker>(broker: B): Promise<B> {
  await closedOnFailure(broker.start(), () => broker.close());
  return broker;
}

/** The redis-server flags every private one shares: loopback only, files in `dir`, no RDB. */
export function redisServerFiles(dir: string, logFile: string): string[] {
  return ["--bind", "127.0.0.1", "--dir", dir, "--logfile", logFile, "--save", ""];
}

/**
 * A test with private brokers of its own (one server, or a cluster), closed
 * when it ends; skipped (loudly) where `binary` is not installed.
 */
export function privateBrokerTest<B extends { close(): Promise<void> }>(
  name: string,
  binary: BrokerBinary,
  open: () => Promise<B>,
  fn: (broker: B) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !brokersAvailable(binary),
    fn: async () => {
      const broker = await open();
      try {
        await fn(broker);
      } finally {
        await broker.close();
      }
    },
  });
}

/** A test with a private redis-server of its own (privateBrokerTest). */
export function redisBrokerTest(name: string, fn: (broker: RedisBroker) => Promise<void>): void {
  privateBrokerTest(name, "redis-server", () => RedisBroker.open(), fn);
}

export interface RedisBrokerOptions {
  /**
   * Append-only file fsynced on every write, so a restart (even after
   * SIGKILL) keeps every acknowledged write. Off: nothing survives a restart.
   */
  durable?: boolean;
}

export class RedisBroker extends PrivateBroker {
  readonly url: string;

  private constructor(binary: string, port: number, dir: string, readonly durable: boolean) {
    super(binary, port, dir);
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** Starts a redis-server on a free port, with a temporary directory of its own. */
  static async open(options: RedisBrokerOptions = {}): Promise<RedisBroker> {
    const { binary, dir } = await prepare("redis-server");
    return await started(new RedisBroker(binary, freePort(), dir, options.durable ?? false));
  }

  protected args(): string[] {
    return [
      "--port",
      String(this.port),
      ...redisServerFiles(this.dir, this.logFile()),
      ...(this.durable
        ? ["--appendonly", "yes", "--appendfsync", "always"]
        : ["--appendonly", "no"]),
    ];
  }

  protected logFile(): string {
    return join(this.dir, "redis.log");
  }

  /** PONG, not LOADING: the AOF has been read back. */
  protected async answers(): Promise<boolean> {
    return (await redisCommand(this.port, "PING")).startsWith("+PONG");
  }
}

/** Sends one inline command and returns what the first read got ("" when nothing answers). */
export async function redisCommand(port: number, command: string): Promise<string> {
  let connection: Deno.TcpConn | null = null;
  try {
    connection = await Deno.connect({ hostname: "127.0.0.1", port });
    await connection.write(new TextEncoder().encode(`${command}\r\n`));
    const buffer = new Uint8Array(256);
    const read = await Promise.race([connection.read(buffer), delay(1_000).then(() => null)]);
    return read ? new TextDecoder().decode(buffer.subarray(0, read)) : "";
  } catch {
    return "";
  } finally {
    connection?.close();
  }
}

export class NatsBroker extends PrivateBroker {
  readonly url: string;

  private constructor(binary: string, port: number, dir: string, readonly monitorPort: number) {
    super(binary, port, dir);
    this.url = `nats://127.0.0.1:${port}`;
  }

  /** Starts a nats-server with JetStream on a free port, storing in a temporary directory. */
  static async open(): Promise<NatsBroker> {
    const { binary, dir } = await prepare("nats-server");
    return await started(new NatsBroker(binary, freePort(), dir, freePort()));
  }

  protected args(): string[] {
    return [
      "-a",
      "127.0.0.1",
      "-p",
      String(this.port),
      "-m",
      String(this.monitorPort),
      "-js",
      "-sd",
      join(this.dir, "jetstream"),
      "-l",
      this.logFile(),
    ];
  }

  protected logFile(): string {
    return join(this.dir, "nats.log");
  }

  /** /healthz answers 200 once JetStream has recovered its streams. */
  protected answers(): Promise<boolean> {
    return answersOk(`http://127.0.0.1:${this.monitorPort}/healthz`);
  }
}

/**
 * One private cluster (or broker) for a whole test file, opened by the first test that
 * asks and stopped by `closingTest` (registered last): a cluster takes seconds to form,
 * a case a fraction of that.
 */
export class SharedPrivate<T extends { url: string; close(): Promise<void> }> {
  /** Whether the binary is installed (else skip loudly, or fail with REQUIRE_SERVICES=1). */
  readonly available: boolean;
  #opening: Promise<T> | null = null;

  constructor(
    binary: BrokerBinary,
    /** "Redis Cluster", "NATS cluster": for the closing test's name. */
    private readonly what: string,
    private readonly open: () => Promise<T>,
  ) {
    this.available = brokersAvailable(binary);
  }

  cluster(): Promise<T> {
    return this.#opening ??= this.open();
  }

  async url(): Promise<string> {
    return (await this.cluster()).url;
  }

  closingTest(label: string): void {
    Deno.test({
      name: `${label}: the private ${this.what} is stopped`,
      ignore: !this.available,
      fn: async () => {
        await (await this.#opening)?.close();
      },
    });
  }
}
