/**
 * A private Prometheus (Debian's `prometheus` package) that scrapes one
 * target every second, for the test that evaluates the dashboard's queries
 * for real. Skips loudly when it is not installed, fails with
 * REQUIRE_SERVICES=1.
 *
 * @module
 */
import { join } from "node:path";
import { freePort } from "./spawn.ts";
import { waitFor } from "./wait.ts";

const DIRS = ["/usr/bin", "/usr/local/bin", "/bin"];

export function prometheusBinary(): string | null {
  for (const dir of [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), ...DIRS]) {
    try {
      const path = join(dir, "prometheus");
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return null;
}

export function prometheusAvailable(): boolean {
  if (prometheusBinary()) return true;
  if (Deno.env.get("REQUIRE_SERVICES") === "1") {
    throw new Error("prometheus not found, but REQUIRE_SERVICES=1 demands it");
  }
  console.warn(
    "\n!!! prometheus is not installed: SKIPPING the test that evaluates the dashboard's " +
      "queries (apt-get install prometheus).\n",
  );
  return false;
}

export interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

export class PrivatePrometheus {
  readonly url: string;

  private constructor(readonly child: Deno.ChildProcess, readonly dir: string, port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts Prometheus scraping `target` (host:port) every second as job "bazaar". */
  static async start(target: string): Promise<PrivatePrometheus> {
    const dir = await Deno.makeTempDir({ prefix: "bazaar-prometheus-" });
    const port = freePort();
    await Deno.writeTextFile(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: bazaar",
        "    static_configs:",
        `      - targets: ["${target}"]`,
        "",
      ].join("\n"),
    );
    const child = new Deno.Command(prometheusBinary()!, {
      args: [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const prometheus = new PrivatePrometheus(child, dir, port);
    try {
      await waitFor(async () => {
        try {
          const response = await fetch(`${prometheus.url}/-/ready`);
          await response.body?.cancel();
          return response.ok;
        } catch {
          return false;
        }
      }, { timeoutMs: 30_000, intervalMs: 100, message: "prometheus ready" });
    } catch (error) {
      await prometheus.close();
      throw error;
    }
    return prometheus;
  }

  async query(expr: string): Promise<QueryResult> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return await response.json() as QueryResult;
  }

  async close(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.child.status;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
