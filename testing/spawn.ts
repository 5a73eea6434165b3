/**
 * Runs bazaar as a real child process (`deno run -A mod.ts …`), the same entry
 * point and flags as the compiled binary, for the command-line and
 * multi-process tests.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChildOutput } from "./child_output.ts";
import { answersOk } from "./http_client.ts";
import { waitFor } from "./wait.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const MOD = join(ROOT, "mod.ts");

/**
 * Extra `deno run` flags for every server started here, from
 * `BAZAAR_DENO_FLAGS` (e.g. `--v8-flags=--prof,--logfile=/tmp/v8-%p.log` to
 * profile a benchmark's processes).
 */
const DENO_FLAGS = (Deno.env.get("BAZAAR_DENO_FLAGS") ?? "").split(" ").filter(Boolean);

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs to the end (for flags that exit at once). */
export async function runBazaar(
  args: string[],
  env: Record<string, string> = {},
): Promise<Finished> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/**
 * Waits for `starting`; when it fails, runs `close` and throws its error: what
 * did not come up is not left half running.
 */
export async function closedOnFailure(
  starting: Promise<unknown>,
  close: () => Promise<unknown>,
): Promise<void> {
  try {
    await starting;
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Ports handed out below Linux's ephemeral range (32768–60999): a port the
 * kernel picked for `port: 0` is one it may give the next outgoing connection
 * before the server that was told it binds (a CI run lost a Redis Cluster
 * node's bus port that way, "Address already in use").
 */
const PORT_RANGE = { from: 20_000, to: 32_000 };
const SPAN = PORT_RANGE.to - PORT_RANGE.from;
/**
 * Each test file (its own isolate, in one process under `--parallel`) walks
 * the range from a random place, so files running side by side rarely meet.
 */
let nextPort = Math.floor(Math.random() * SPAN);

/** A free TCP port on the loopback interface, never the same twice in one test file. */
export function freePort(): number {
  for (let tries = 0; tries < SPAN; tries++) {
    const port = PORT_RANGE.from + nextPort;
    nextPort = (nextPort + 1) % SPAN;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue;
    }
    return port;
  }
  throw new Error(`no free port in ${PORT_RANGE.from}–${PORT_RANGE.to}`);
}

export class BazaarServer {
  readonly url: string;
  #done: Promise<Deno.CommandStatus>;
  #output: ChildOutput;

  private constructor(readonly child: Deno.ChildProcess, readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
    this.#done = child.status;
    this.#output = new ChildOutput(child);
  }

  /**
   * Starts a server and waits until /health answers; `denoFlags` go to
   * `deno run` after BAZAAR_DENO_FLAGS (the soak's `--inspect`, say).
   */
  static async start(
    args: string[],
    env: Record<string, string> = {},
    denoFlags: readonly string[] = [],
  ): Promise<BazaarServer> {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...DENO_FLAGS,
        ...denoFlags,
        MOD,
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        ...args,
      ],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const server = new BazaarServer(child, port);
    try {
      await waitFor(() => answersOk(`${server.url}/health`), {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: `bazaar ${args.join(" ")} up`,
      });
    } catch (error) {
      await server.kill("SIGKILL");
      throw new Error(`${(error as Error).message}\n${server.logs()}`);
    }
    return server;
  }

  logs(): string {
    return this.#output.text();
  }

  /** Sends a signal and waits for the exit; returns the exit code. */
  async kill(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
    const status = await this.#done;
    await this.#output.done;
    return status.code;
  }

  get exited(): Promise<Deno.CommandStatus> {
    return this.#done;
  }
}
