/**
 * The program: parse flags, start the process, serve HTTP, stop cleanly on
 * SIGTERM or SIGINT (stop taking requests, let handlers finish, close, exit 0).
 *
 * @module
 */
import { ZodError } from "zod";
import { createLogger } from "../lib/logger.ts";
import { settingsFromEnv } from "../lib/settings.ts";
import { parseConfig, usage, UsageError, VERSION } from "./config.ts";
import { brokerTrouble } from "../lib/broker_errors.ts";
import { startProcess } from "./process.ts";
import { BrokerConnectError } from "../bus/connect_error.ts";
import { runDlq } from "./dlq.ts";
import { runHealthcheck } from "./healthcheck.ts";
import { settlesWithin } from "../lib/async/settles_within.ts";
import { seedDemo } from "./seed.ts";

/** How long in-flight handlers may run on after SIGTERM before their messages are handed back. */
const SHUTDOWN_GRACE_MS = 10_000;

export const DEV_ADMIN_TOKEN = "dev-admin-token";
export const DEV_AUTH_SECRET = "dev-auth-secret";

function fail(message: string): never {
  console.error(`bazaar: ${message}`);
  Deno.exit(2);
}

/** Subcommands: each takes the words after its name and returns the exit code. */
const COMMANDS: Record<string, (args: string[], env: Record<string, string>) => Promise<number>> = {
  dlq: runDlq,
  healthcheck: runHealthcheck,
};

export async function main(args: string[]): Promise<void> {
  const env = Deno.env.toObject();
  const command = args[0] !== undefined && Object.hasOwn(COMMANDS, args[0])
    ? COMMANDS[args[0]]
    : undefined;
  if (command) Deno.exit(await command(args.slice(1), env));
  let config;
  try {
    config = parseConfig(args, env);
  } catch (error) {
    if (error instanceof UsageError) fail(error.message);
    throw error;
  }
  if (config.help) {
    console.log(usage());
    return;
  }
  if (config.version) {
    console.log(`bazaar ${VERSION}`);
    return;
  }
  // A flag wins over its variable, like every other option.
  if (config.adminToken) env.ADMIN_TOKEN = config.adminToken;
  if (config.authSecret) env.AUTH_SECRET = config.authSecret;
  if (config.dev) {
    env.ADMIN_TOKEN ||= DEV_ADMIN_TOKEN;
    env.AUTH_SECRET ||= DEV_AUTH_SECRET;
  }
  let settings;
  try {
    settings = settingsFromEnv(env);
  } catch (error) {
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      fail(`Setting ${issue?.path.join(".")} is invalid: ${issue?.message}`);
    }
    throw error;
  }
  const log = createLogger(config.logLevel, { service: "bazaar" });
  // A broker client that drops the promise of one of its own commands while the link flaps
  // (ioredis does, resubscribing after a reconnect) must not end the process: it reconnects.
  // Anything else unhandled is a bug, and still ends it.
  globalThis.addEventListener("unhandledrejection", (event) => {
    const trouble = brokerTrouble(event.reason);
    if (!trouble) return;
    event.preventDefault();
    log.warn("A broker command failed with nobody waiting for it", { trouble });
  });
  const busUrl = config.bus === "memory"
    ? "memory://main"
    : config.bus === "redis"
    ? config.redisUrl
    : config.natsUrl;

  // A broker that refuses us at start-up (address, password, certificate) is one line and
  // exit 2, not a stack trace or a retry loop; one that goes away later is reconnected to.
  const process = await startProcess({
    modules: config.modules,
    busUrl,
    namespace: config.namespace,
    store: config.store,
    redisUrl: config.redisUrl,
    keyPrefix: config.keyPrefix,
    settings,
    log,
  }).catch((error) => {
    if (error instanceof BrokerConnectError) fail(error.message);
    // A broker that stops answering while the modules start (a stream or durable the server
    // never confirmed) ends the start too: thrown from here it would reach the rejection
    // handler above as broker trouble, be forgiven, and the process would exit 0, never up.
    const trouble = brokerTrouble(error);
    if (trouble) fail(`Could not start: ${trouble}`);
    throw error;
  });
  if (config.seedDemo) await seedDemo(process.app, settings, (line) => console.log(line));

  const shutdown = new AbortController();
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    signal: shutdown.signal,
    onListen: ({ hostname, port }) =>
      log.info("Listening", {
        url: `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`,
        modules: config.modules,
        bus: config.bus,
        store: config.store,
      }),
  }, process.app.fetch);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("Stopping", { signal });
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    shutdown.abort();
    // Requests waiting on an unreachable Redis would hold this for ever: past
    // the grace they are left to fail when process.stop cuts the connection.
    await settlesWithin(server.finished, SHUTDOWN_GRACE_MS);
    await process.stop(Math.max(0, deadline - Date.now()));
    log.info("Stopped");
    Deno.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => void stop(signal));
  }
}
