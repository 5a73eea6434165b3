/**
 * What the TLS tests check the same way on every broker: a real bazaar
 * process on encrypted, authenticated links places and confirms an order
 * (the saga's paid-order case), and no secret shows in its logs, /health or
 * /ready.
 */
import assert from "node:assert/strict";
import { remoteCaller } from "../testing/http_client.ts";
import { Shop } from "../testing/shop.ts";
import { BazaarServer, runBazaar } from "../testing/spawn.ts";
import { uniqueName } from "../testing/services.ts";
import { SAGA_CASES } from "./saga_cases.ts";

const ADMIN_TOKEN = "tls-test-admin-token";

/** Starts `bazaar --modules all <args>` with `env`, runs the paid-order case, stops it. */
export async function orderOverTls(
  args: string[],
  env: Record<string, string>,
  secrets: string[],
): Promise<void> {
  const paid = SAGA_CASES.find((c) => c.name.startsWith("a paid order is confirmed"));
  assert.ok(paid && !paid.holdsEvents, "the saga's paid-order case");
  const server = await BazaarServer.start(
    ["--modules", "all", "--namespace", uniqueName("tls"), ...args],
    {
      ...env,
      ADMIN_TOKEN,
      AUTH_SECRET: "tls-test-auth-secret",
      FEE_BPS: String(paid.feeBps ?? 0),
      LOG_LEVEL: "debug",
    },
  );
  try {
    const target = { call: remoteCaller(server.url), admin: ADMIN_TOKEN };
    const shop = new Shop(target);
    await paid.run(shop, target, () => {
      throw new Error("this case holds no events");
    });
    await shop.assertInvariants();
    for (const path of ["/health", "/ready"]) {
      const response = await fetch(`${server.url}${path}`);
      const body = await response.text();
      assert.equal(response.status, 200, `${path}: ${body}`);
      for (const secret of secrets) assert.ok(!body.includes(secret), `${path} names no secret`);
    }
  } finally {
    assert.equal(await server.kill("SIGTERM"), 0, server.logs());
  }
  for (const secret of secrets) {
    assert.ok(!server.logs().includes(secret), "the logs name no secret");
  }
}

/**
 * Starts `bazaar --modules all <args>` with `env`, expecting it to refuse:
 * exit 2 and one line on stderr matching `reason`, no secret in the output.
 * Returns that line.
 */
export async function refusedAtStart(
  args: string[],
  env: Record<string, string>,
  reason: RegExp,
  secrets: string[],
): Promise<string> {
  const { code, stdout, stderr } = await runBazaar(["--modules", "all", ...args], env);
  const lines = stderr.trim().split("\n");
  assert.equal(code, 2, `exit code (stderr: ${stderr})`);
  assert.equal(lines.length, 1, `one line on stderr, not:\n${stderr}`);
  assert.match(lines[0]!, reason);
  for (const secret of secrets) {
    assert.ok(!(stdout + stderr).includes(secret), "no password in the output");
  }
  return lines[0]!;
}

/** `bazaar dlq list <args>` over TLS: it connects and finds no dead letters. */
export async function dlqListsOverTls(args: string[], env: Record<string, string>): Promise<void> {
  const { code, stdout, stderr } = await runBazaar(
    ["dlq", "list", ...args, "--namespace", "tlsdlq"],
    env,
  );
  assert.equal(code, 0, stderr);
  assert.match(stdout, /No dead letters/);
}
