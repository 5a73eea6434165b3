/**
 * Reading the PEM files that the TLS variables name (REDIS_TLS_CA,
 * NATS_TLS_CERT, …), the same way for every adapter: a path that cannot be
 * read, or a certificate without its key, is a `BrokerConnectError` naming the
 * variable and the path, never the file's contents.
 *
 * @module
 */
import { BrokerConnectError, reasonOf } from "./connect_error.ts";

export type Env = Record<string, string | undefined>;

let override: Env | null = null;

/**
 * The variables the adapters read when they open a connection: Deno.env,
 * unless a test set its own for this isolate with `setBrokerEnv` (test files
 * run in parallel share one process's Deno.env, but not their modules).
 */
export function brokerEnv(): Env {
  return override ?? Deno.env.toObject();
}

/** For tests: `env` stands in for Deno.env in `brokerEnv()`, until set back to null. */
export function setBrokerEnv(env: Env | null): void {
  override = env;
}

/** The CA to trust and the client certificate to present, as PEM text; each may be absent. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

function readPem(env: Env, name: string): string | undefined {
  const path = env[name]?.trim();
  if (!path) return undefined;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new BrokerConnectError(`${name} "${path}" cannot be read: ${reasonOf(error)}`);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new BrokerConnectError(`${name} "${path}" is not a PEM file`);
  }
  return text;
}

/** Reads `<prefix>_CA`, `<prefix>_CERT` and `<prefix>_KEY` (e.g. prefix "REDIS_TLS"). */
export function readTlsFiles(env: Env, prefix: string): TlsFiles {
  const files: TlsFiles = {};
  const ca = readPem(env, `${prefix}_CA`);
  const cert = readPem(env, `${prefix}_CERT`);
  const key = readPem(env, `${prefix}_KEY`);
  if ((cert === undefined) !== (key === undefined)) {
    throw new BrokerConnectError(
      `${prefix}_CERT and ${prefix}_KEY go together: set both (a client certificate) or neither`,
    );
  }
  if (ca !== undefined) files.ca = ca;
  if (cert !== undefined && key !== undefined) Object.assign(files, { cert, key });
  return files;
}

/** Whether any of the prefix's variables is set. */
export function tlsConfigured(env: Env, prefix: string): boolean {
  return ["CA", "CERT", "KEY"].some((part) => Boolean(env[`${prefix}_${part}`]?.trim()));
}
