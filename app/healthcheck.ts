/**
 * `bazaar healthcheck`: GETs `/ready` of the bazaar on this machine and exits
 * 0 when it answers 200, 1 otherwise (2 on a usage error). It is what a
 * container's health check runs: the image has no curl, but it has bazaar.
 *
 * @module
 */
import { z } from "zod";
import { OPTIONS, parseFlags, UsageError } from "./config.ts";
import { consoleOutput, type Output } from "./_output.ts";

const DEFAULT_TIMEOUT_MS = 3_000;
/** Addresses a server listens on that are no address to call. */
const ANY_ADDRESS = new Set(["0.0.0.0", "::", "[::]", ""]);

const flagsSchema = z.object({
  port: z.string().regex(/^\d+$/, "must be a whole number").transform(Number)
    .pipe(z.number().int().min(1).max(65_535)),
  host: z.string().min(1),
  timeoutMs: z.string().regex(/^\d+$/, "must be a whole number").transform(Number)
    .pipe(z.number().int().min(1).max(60_000)),
});

export function healthcheckUsage(): string {
  return [
    "Usage: bazaar healthcheck [--port P] [--host H] [--timeout-ms MS]",
    "",
    "GETs http://H:P/ready; exits 0 when it answers 200, 1 when not (or not in time).",
    `--port defaults to PORT (or ${OPTIONS.port.fallback}), --host to HOST, or 127.0.0.1 where`,
    `HOST is 0.0.0.0; --timeout-ms to ${DEFAULT_TIMEOUT_MS}.`,
  ].join("\n");
}

/** The address to probe, from the flags and PORT/HOST; null for --help; a UsageError if bad. */
export function parseHealthcheck(args: string[], env: Record<string, string | undefined>) {
  const { values } = parseFlags(args, {
    port: { type: "string" },
    host: { type: "string" },
    "timeout-ms": { type: "string" },
    help: { type: "boolean", short: "h" },
  }, "Run bazaar healthcheck --help.");
  if (values.help) return null;
  const host = (values.host ?? env[OPTIONS.host.env] ?? "").trim();
  const checked = flagsSchema.safeParse({
    port: (values.port ?? env[OPTIONS.port.env] ?? OPTIONS.port.fallback).trim(),
    host: ANY_ADDRESS.has(host) ? "127.0.0.1" : host,
    timeoutMs: values["timeout-ms"] ?? String(DEFAULT_TIMEOUT_MS),
  });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const flag = issue.path[0] === "timeoutMs" ? "timeout-ms" : String(issue.path[0]);
    throw new UsageError(`--${flag} ${issue.message}`);
  }
  return checked.data;
}

/** Runs `bazaar healthcheck …` and returns the exit code. */
export async function runHealthcheck(
  args: string[],
  env: Record<string, string | undefined>,
  output: Output = consoleOutput,
): Promise<number> {
  let flags;
  try {
    flags = parseHealthcheck(args, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`bazaar healthcheck: ${error.message}`);
    return 2;
  }
  if (!flags) {
    output.out(healthcheckUsage());
    return 0;
  }
  const host = flags.host.includes(":") && !flags.host.startsWith("[")
    ? `[${flags.host}]`
    : flags.host;
  const url = `http://${host}:${flags.port}/ready`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(flags.timeoutMs) });
    const body = await response.text();
    if (response.ok) {
      output.out(`ready: ${url}`);
      return 0;
    }
    output.err(`bazaar healthcheck: ${url} answered ${response.status}: ${body.slice(0, 300)}`);
    return 1;
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError"
      ? `no answer within ${flags.timeoutMs} ms`
      : (error as Error).message;
    output.err(`bazaar healthcheck: ${url} is unreachable: ${reason}`);
    return 1;
  }
}
