/**
 * The command line and its environment variables: one parsed, validated
 * `ProcessConfig`, or a `UsageError` whose message is the one line to print
 * before exiting with code 2.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { DATA_MODULE_NAMES, MODULE_NAMES, type ModuleName, type StoreKind } from "../lib/module.ts";
import { LOG_LEVELS, type LogLevel } from "../lib/logger.ts";
import { BUS_KINDS, type BusKind } from "../bus/config.ts";
import { DEFAULT_NAMESPACE, NAMESPACE, NAMESPACE_RULE } from "../bus/defaults.ts";
import { redactUrl } from "../bus/redact.ts";
import { isClusterUrl, parseClusterUrl } from "../lib/redis_client.ts";

export const VERSION = "0.1.0";

export class UsageError extends Error {
  override name = "UsageError";
}

/** What `--bus` may name: the adapters the bus factory knows. */
export const BUS_NAMES = BUS_KINDS;
export type BusName = BusKind;

export interface ProcessConfig {
  modules: ModuleName[];
  bus: BusName;
  store: StoreKind;
  port: number;
  host: string;
  redisUrl: string;
  natsUrl: string;
  logLevel: LogLevel;
  /** Keeps systems apart on one broker: bus keys and streams carry it. */
  namespace: string;
  /** Prepended to every store key (KEY_PREFIX), so several systems can share one Redis. */
  keyPrefix: string;
  /** Empty when unset. */
  adminToken: string;
  authSecret: string;
  seedDemo: boolean;
  /** Development defaults for ADMIN_TOKEN and AUTH_SECRET when they are unset. */
  dev: boolean;
  help: boolean;
  version: boolean;
}

/** Each option: its flag, its environment variable, what it means. */
export const OPTIONS = {
  modules: {
    env: "MODULES",
    help: `comma-separated modules to run (${MODULE_NAMES.join(",")}) or "all"`,
    fallback: "all",
  },
  bus: { env: "BUS", help: "message bus: memory, redis or nats", fallback: "memory" },
  store: {
    env: "STORE",
    help: "module stores: memory or redis (default: memory on the memory bus, else redis)",
    fallback: "",
  },
  port: { env: "PORT", help: "HTTP port", fallback: "8000" },
  host: { env: "HOST", help: "HTTP interface to listen on", fallback: "0.0.0.0" },
  "redis-url": {
    env: "REDIS_URL",
    help: "Redis URL for the redis bus and stores; a cluster: redis+cluster://h1:p1,h2:p2",
    fallback: "redis://127.0.0.1:6379",
  },
  "nats-url": {
    env: "NATS_URL",
    help: "NATS URL for the nats bus; a cluster's servers comma-separated",
    fallback: "nats://127.0.0.1:4222",
  },
  "log-level": { env: "LOG_LEVEL", help: `log level: ${LOG_LEVELS.join(", ")}`, fallback: "info" },
  namespace: {
    env: "BUS_NAMESPACE",
    help: "bus namespace (Redis key and NATS stream prefix)",
    fallback: DEFAULT_NAMESPACE,
  },
  "admin-token": {
    env: "ADMIN_TOKEN",
    help: "admin bearer token (prefer the variable: flags show in ps)",
    fallback: "",
  },
  "auth-secret": {
    env: "AUTH_SECRET",
    help: "secret that signs customer tokens (prefer the variable)",
    fallback: "",
  },
} as const;

type OptionName = keyof typeof OPTIONS;

/** Parses `args` strictly (node:util parseArgs); a UsageError ending in `hint` when they do not parse. */
export function parseFlags<O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  hint: string,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. ${hint}`);
  }
}

/** An option's value: its flag, else its environment variable, else its default; trimmed. */
export function optionValue(
  name: OptionName,
  values: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
): string {
  return String(values[name] ?? env[OPTIONS[name].env] ?? OPTIONS[name].fallback).trim();
}

export function usage(): string {
  const lines = [
    `bazaar ${VERSION}: an event-driven commerce backend`,
    "",
    "Usage: bazaar [options]        (or: deno run -A mod.ts [options])",
    "       bazaar dlq list | show <id> | replay <id> | replay --all [--group G]",
    "                               dead letters on the broker, no server needed (dlq --help)",
    "       bazaar healthcheck [--port P]",
    "                               exit 0 when the bazaar on this host is ready (GET /ready)",
    "",
    "Options (each also read from the environment variable in brackets):",
  ];
  for (const [flag, option] of Object.entries(OPTIONS)) {
    lines.push(
      `  --${flag.padEnd(12)} ${option.help} [${option.env}] (default: ${
        option.fallback || "see text"
      })`,
    );
  }
  lines.push(
    "  --seed-demo    load a small demo catalog and customers and print their tokens",
    "                 and password",
    "  --dev          development defaults: ADMIN_TOKEN=dev-admin-token and",
    "                 AUTH_SECRET=dev-auth-secret when unset (never in production)",
    "  --help         print this and exit",
    "  --version      print the version and exit",
    "",
    "Secrets belong in the environment: ADMIN_TOKEN, AUTH_SECRET, WEBHOOK_SECRET.",
    "Brokers over TLS: rediss://user:pass@host:port with REDIS_TLS_CA (path to a PEM CA)",
    "and, for a client certificate, REDIS_TLS_CERT and REDIS_TLS_KEY; for NATS the same",
    "with NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY, and nats://user:pass@… or NATS_CREDS",
    "(a creds file). A broker that refuses them at start-up exits 2 with one line.",
    "Other settings: FEE_BPS, SIGNUP_CREDIT, SAGA_STEP_TIMEOUT_MS, WEBHOOK_URL, and",
    "BUS_ACK_DEADLINE_MS: how long (ms, default 10000) a message may go unacknowledged",
    "before another process of its module takes it over.",
    "MAX_INFLIGHT_ORDERS: orders a process may have in flight (accepted, not yet seen",
    "terminal) before POST /orders answers 503 with Retry-After (default 1000).",
    "REDIS_COMMAND_TIMEOUT_MS: how long (ms, default 2000) a Redis command may wait,",
    "sent or queued during a reconnect, before it fails (the request answers 503).",
    "REDIS_CLUSTER=1: the Redis URL is one seed node of a Redis Cluster (as redis+cluster://).",
    "REDIS_WAIT_REPLICAS: replicas that must confirm each write (WAIT) before it counts as",
    "done (default 0: Redis replicates asynchronously, and a failover may drop the last",
    "acknowledged writes; 1 on a cluster with a replica per master keeps them).",
    "BUS_RETENTION: messages the bus keeps per event type once every group has taken them",
    "(default 10000, NATS 1000000; at least 1000); BUS_RETENTION_S: how long it keeps them",
    "(default 3600 s). What a group has not taken is never dropped (NATS: see README).",
    "NATS_REPLICAS: copies of each JetStream stream on a NATS cluster (default 1; 3 on a",
    "3-node cluster; at most 5).",
    "IDEMPOTENCY_TTL_S: how long an Idempotency-Key names its order (default 86400).",
    "TOKEN_TTL_S: how long (s) a sign-in or sign-up token and its cookie last (default",
    "604800, at most 34560000). SIGNIN_FAILURE_LIMIT: failed sign-ins allowed per email and",
    "per client address (default 5) in SIGNIN_WINDOW_S (default 60), then 429.",
    "DEMO_PASSWORD: the password --seed-demo gives its customers (default: a random one).",
    "CURRENCY: the shop's ISO 4217 currency (default USD): amounts stay integers in its",
    "minor units; /health reports it, and pages, invoices and notifications show it.",
    'KEY_PREFIX: prepended to every store key (e.g. "shop1:"), so several systems can',
    "share one Redis; use it with --namespace (default: none).",
  );
  return lines.join("\n");
}

/** The URL when it has one of the schemes and a host; a UsageError (password masked) if not. */
export function checkUrl(name: string, value: string, schemes: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} "${redactUrl(value)}" is not a URL`);
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (!schemes.includes(scheme) || !url.hostname) {
    throw new UsageError(
      `--${name} "${redactUrl(value)}" must be a ${schemes.join(" or ")}:// URL with a host`,
    );
  }
  return value;
}

/**
 * A Redis URL: one server (`redis://`, `rediss://`) or a Redis Cluster by its
 * seed nodes (`redis+cluster://host:port,host:port`, `rediss+cluster://…`).
 */
export function checkRedisUrl(name: string, value: string): string {
  if (!isClusterUrl(value)) return checkUrl(name, value, ["redis", "rediss"]);
  try {
    parseClusterUrl(value);
  } catch (error) {
    throw new UsageError(`--${name} "${redactUrl(value)}": ${(error as Error).message}`);
  }
  return value;
}

/**
 * Several servers of one cluster, comma-separated (NATS): each checked as
 * `checkUrl` checks one; the list as given.
 */
export function checkUrlList(name: string, value: string, schemes: string[]): string {
  const servers = value.split(",").map((server) => server.trim()).filter(Boolean);
  if (servers.length === 0) throw new UsageError(`--${name} "${value}" names no server`);
  for (const server of servers) checkUrl(name, server, schemes);
  return value;
}

/** The namespace when it keeps the bus's one rule; a UsageError quoting it if not. */
export function checkNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw new UsageError(`--namespace "${namespace}" must be ${NAMESPACE_RULE}`);
  }
  return namespace;
}

export function parseConfig(
  args: string[],
  env: Record<string, string | undefined>,
): ProcessConfig {
  const parsed = parseFlags(args, {
    ...Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: "string" as const }])),
    "seed-demo": { type: "boolean" },
    dev: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
  }, "Run with --help for the options.");
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const pick = (name: OptionName): string => optionValue(name, values, env);

  const moduleList = pick("modules");
  const modules = moduleList === "all"
    ? [...MODULE_NAMES]
    : [...new Set(moduleList.split(",").map((m) => m.trim()).filter(Boolean))];
  for (const name of modules) {
    if (!(MODULE_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(
        `Unknown module "${name}": choose from ${MODULE_NAMES.join(", ")} (or "all")`,
      );
    }
  }
  if (modules.length === 0) {
    throw new UsageError(`--modules is empty: choose from ${MODULE_NAMES.join(", ")}`);
  }

  const bus = pick("bus");
  if (!(BUS_NAMES as readonly string[]).includes(bus)) {
    throw new UsageError(`Unknown bus "${bus}": choose memory, redis or nats`);
  }
  // A process of web alone owns no data and needs no bus; any other runs every
  // data module on the memory bus, or events would reach no one.
  const dataModules = modules.filter((m) => (DATA_MODULE_NAMES as readonly string[]).includes(m));
  if (bus === "memory" && dataModules.length && dataModules.length < DATA_MODULE_NAMES.length) {
    const missing = DATA_MODULE_NAMES.filter((m) => !modules.includes(m));
    throw new UsageError(
      `The memory bus only reaches modules in this process, so events for ${missing.join(", ")} ` +
        `would go nowhere: run every module, or use --bus redis or --bus nats`,
    );
  }
  // A broker bus means several processes, which must share their modules' data.
  const store = pick("store") || (bus === "memory" ? "memory" : "redis");
  if (store !== "memory" && store !== "redis") {
    throw new UsageError(`Unknown store "${store}": choose memory or redis`);
  }

  const portText = pick("port");
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port "${portText}" must be a whole number from 0 to 65535`);
  }
  const logLevel = pick("log-level");
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`Unknown log level "${logLevel}": choose ${LOG_LEVELS.join(", ")}`);
  }
  const namespace = checkNamespace(pick("namespace"));
  const keyPrefix = (env.KEY_PREFIX ?? "").trim();
  if (!/^[A-Za-z0-9_:.-]{0,64}$/.test(keyPrefix)) {
    throw new UsageError(
      `KEY_PREFIX "${keyPrefix}" must be at most 64 letters, digits, _, -, . or :`,
    );
  }

  return {
    modules: modules as ModuleName[],
    bus: bus as BusName,
    store,
    port,
    host: pick("host"),
    redisUrl: checkRedisUrl("redis-url", pick("redis-url")),
    natsUrl: checkUrlList("nats-url", pick("nats-url"), ["nats", "tls"]),
    logLevel: logLevel as LogLevel,
    namespace,
    keyPrefix,
    adminToken: pick("admin-token"),
    authSecret: pick("auth-secret"),
    seedDemo: values["seed-demo"] === true,
    dev: values.dev === true,
    help: values.help === true,
    version: values.version === true,
  };
}
