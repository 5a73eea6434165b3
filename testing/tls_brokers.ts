/**
 * Private brokers that speak only TLS and demand a password, for the tests of
 * encrypted, authenticated links: a `redis-server` with its plain port off and
 * an ACL user, and a `nats-server` (JetStream on) with `tls {}` and
 * `authorization {}`, each on free ports with certificates of the run's own
 * (testing/tls_certs.ts). Started and stopped like testing/brokers.ts's.
 *
 * @module
 */
import { join } from "node:path";
import { setBrokerEnv } from "../bus/tls_files.ts";
import type { Bus } from "../bus/types.ts";
import {
  type BrokerBinary,
  brokersAvailable,
  prepare,
  PrivateBroker,
  redisServerFiles,
  started,
} from "./brokers.ts";
import { answersOk } from "./http_client.ts";
import { freePort } from "./spawn.ts";
import { opensslAvailable, TestCertificates } from "./tls_certs.ts";
import { delay } from "./wait.ts";

export const TLS_USER = "shop";

/** Letters and digits only: it goes into a config file and a URL unescaped. */
export function newPassword(): string {
  return `pw${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Whether the binaries and openssl are here (skips loudly, or fails with REQUIRE_SERVICES=1). */
export function tlsBrokersAvailable(...names: BrokerBinary[]): boolean {
  if (!opensslAvailable()) {
    if (Deno.env.get("REQUIRE_SERVICES") === "1") {
      throw new Error("openssl not found, but REQUIRE_SERVICES=1 demands it");
    }
    console.warn("\n!!! openssl is not installed: SKIPPING the TLS broker tests.\n");
    return false;
  }
  return brokersAvailable(...names);
}

/** A broker that lets only the ACL user in, over TLS: its URL, and one with a wrong password. */
abstract class TlsBroker extends PrivateBroker {
  /** `<scheme>://shop:<password>@127.0.0.1:<port>`. */
  readonly url: string;

  protected constructor(
    binary: string,
    port: number,
    dir: string,
    readonly certs: TestCertificates,
    readonly password: string,
    private readonly scheme: "rediss" | "tls",
  ) {
    super(binary, port, dir);
    this.url = this.#urlWith(password);
  }

  /** The same server with another password: the server must refuse it. */
  get wrongPasswordUrl(): string {
    return this.#urlWith(`not-${this.password}`);
  }

  #urlWith(password: string): string {
    return `${this.scheme}://${TLS_USER}:${password}@127.0.0.1:${this.port}`;
  }
}

export class TlsRedisBroker extends TlsBroker {
  private constructor(
    binary: string,
    port: number,
    dir: string,
    certs: TestCertificates,
    password: string,
    readonly requireClientCert: boolean,
  ) {
    super(binary, port, dir, certs, password, "rediss");
  }

  /** With `requireClientCert`, a client without a certificate the CA signed is refused. */
  static async open(
    certs: TestCertificates,
    { requireClientCert = false } = {},
  ): Promise<TlsRedisBroker> {
    const { binary, dir } = await prepare("redis-server");
    const password = newPassword();
    // The default user is off: only the ACL user gets in.
    await Deno.writeTextFile(
      join(dir, "users.acl"),
      `user default off\nuser ${TLS_USER} on >${password} ~* &* +@all\n`,
    );
    return await started(
      new TlsRedisBroker(binary, freePort(), dir, certs, password, requireClientCert),
    );
  }

  protected args(): string[] {
    const { paths } = this.certs;
    return [
      "--port",
      "0",
      "--tls-port",
      String(this.port),
      "--tls-cert-file",
      paths.serverCert,
      "--tls-key-file",
      paths.serverKey,
      "--tls-ca-cert-file",
      paths.ca,
      "--tls-auth-clients",
      this.requireClientCert ? "yes" : "optional",
      "--aclfile",
      join(this.dir, "users.acl"),
      ...redisServerFiles(this.dir, this.logFile()),
      "--appendonly",
      "no",
    ];
  }

  protected logFile(): string {
    return join(this.dir, "redis.log");
  }

  protected answers(): Promise<boolean> {
    return answersOverTls(this.port, this.certs);
  }
}

/**
 * Whether a TLS-only redis-server on `port` of `hostname` answers: any reply
 * (NOAUTH, since PING comes unauthenticated) means it is up.
 */
export async function answersOverTls(
  port: number,
  certs: TestCertificates,
  hostname = "127.0.0.1",
): Promise<boolean> {
  let connection: Deno.TlsConn | null = null;
  try {
    const { ca, clientCert, clientKey } = certs.paths;
    connection = await Deno.connectTls({
      hostname,
      port,
      caCerts: [await Deno.readTextFile(ca)],
      cert: await Deno.readTextFile(clientCert),
      key: await Deno.readTextFile(clientKey),
    });
    await connection.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(128);
    const read = await Promise.race([connection.read(buffer), delay(1_000).then(() => null)]);
    return (read ?? 0) > 0;
  } catch {
    return false;
  } finally {
    try {
      connection?.close();
    } catch {
      // already closed
    }
  }
}

export class TlsNatsBroker extends TlsBroker {
  private constructor(
    binary: string,
    port: number,
    dir: string,
    readonly monitorPort: number,
    certs: TestCertificates,
    password: string,
  ) {
    super(binary, port, dir, certs, password, "tls");
  }

  static async open(certs: TestCertificates): Promise<TlsNatsBroker> {
    const { binary, dir } = await prepare("nats-server");
    const broker = new TlsNatsBroker(binary, freePort(), dir, freePort(), certs, newPassword());
    await Deno.writeTextFile(broker.configFile(), broker.config());
    return await started(broker);
  }

  private configFile(): string {
    return join(this.dir, "nats.conf");
  }

  private config(): string {
    const { paths } = this.certs;
    return [
      `listen: "127.0.0.1:${this.port}"`,
      `http: "127.0.0.1:${this.monitorPort}"`,
      "tls {",
      `  cert_file: "${paths.serverCert}"`,
      `  key_file: "${paths.serverKey}"`,
      `  ca_file: "${paths.ca}"`,
      "  timeout: 2",
      "}",
      "authorization {",
      `  user: "${TLS_USER}"`,
      `  password: "${this.password}"`,
      "}",
      "jetstream {",
      `  store_dir: "${join(this.dir, "jetstream")}"`,
      "}",
      "",
    ].join("\n");
  }

  protected args(): string[] {
    return ["-c", this.configFile(), "-l", this.logFile()];
  }

  protected logFile(): string {
    return join(this.dir, "nats.log");
  }

  protected answers(): Promise<boolean> {
    return answersOk(`http://127.0.0.1:${this.monitorPort}/healthz`);
  }
}

let holders = 0;

/**
 * Runs `fn` with the variables added to what the adapters read when they
 * open a connection (REDIS_TLS_*, NATS_TLS_*), then takes them away: in this
 * isolate only (`setBrokerEnv`), so nothing reaches another test file, even
 * one running in parallel in this process. Overlapping calls share one
 * setting, undone when the last ends.
 */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  if (holders++ === 0) setBrokerEnv({ ...Deno.env.toObject(), ...vars });
  try {
    return await fn();
  } finally {
    if (--holders === 0) setBrokerEnv(null);
  }
}

/** The bus, with `vars` set while it subscribes (a Redis subscription opens a connection). */
export function busWithEnv(bus: Bus, vars: Record<string, string>): Bus {
  const subscribe: Bus["subscribe"] = (group, events, handler, options) =>
    withEnv(vars, () => bus.subscribe(group, events, handler, options));
  return new Proxy(bus, {
    get(target, key) {
      if (key === "subscribe") return subscribe;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Deletes the directories when the process ends, for brokers a test file
 * starts before its tests: a filtered run skips the test that closes them.
 */
export function removeOnExit(...dirs: (string | undefined)[]): void {
  globalThis.addEventListener("unload", () => {
    for (const dir of dirs) {
      if (!dir) continue;
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // gone already
      }
    }
  });
}
