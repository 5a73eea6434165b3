/**
 * `bazaar dlq` as an operator meets it (`deno run -A mod.ts dlq …`, no server
 * running): on a broker where a handler that always fails has dead-lettered
 * a message, list it (table and JSON), show it, replay it, and the exit codes
 * — 0 done, 1 not found or nothing to replay, 2 usage or connection error.
 * One list of cases, run on Redis and on NATS.
 */
import assert from "node:assert/strict";
import { pinged } from "../testing/bus/conformance.ts";
import { createBus } from "../bus/factory.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import { deleteKeys } from "../testing/bus/redis_cleanup.ts";
import { deleteNamespace } from "../testing/bus/nats_cleanup.ts";
import type { Bus, DeadLetter, Envelope } from "../bus/types.ts";
import { serviceUrl, uniqueName } from "../testing/services.ts";
import { freePort, runBazaar } from "../testing/spawn.ts";
import { waitFor } from "../testing/wait.ts";

export type DlqSetup = "redis" | "nats";

const GROUP = "dlqdoomed";

/** A bus on a namespace of its own, with one message dead-lettered by GROUP. */
async function brokerWithDeadLetter(url: string, namespace: string) {
  const bus = await createBus(url, { source: "dlq-test", namespace });
  const subscription = await bus.subscribe(GROUP, [pinged], () => {
    throw new Error("the warehouse is on fire");
  }, { maxDeliver: 2, backoff: () => 10 });
  const sent = await bus.publish(pinged, { n: 42 });
  const letter = await waitFor(async () => (await bus.deadLetters.list(GROUP))[0], {
    message: "a dead letter",
  });
  await subscription.close();
  return { bus, sent, letter };
}

async function cleanUp(setup: DlqSetup, url: string, namespace: string): Promise<void> {
  if (setup === "redis") await deleteKeys(url, [new RedisKeys(namespace).prefix]);
  else await deleteNamespace(url, namespace);
}

export function runDlqCases(setup: DlqSetup): void {
  const url = serviceUrl(setup === "redis" ? "REDIS_URL" : "NATS_URL");
  const urlFlag = setup === "redis" ? "--redis-url" : "--nats-url";
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `bazaar dlq on ${setup}: ${name}`, ignore: url === null, fn });

  test("list, show and replay a dead letter; what is gone is not found", async () => {
    const namespace = uniqueName("dlq");
    const { bus, sent, letter } = await brokerWithDeadLetter(url!, namespace);
    const dlq = (...args: string[]) =>
      runBazaar(["dlq", ...args, "--bus", setup, urlFlag, url!, "--namespace", namespace]);
    try {
      const table = await dlq("list");
      assert.equal(table.code, 0, table.stderr);
      const row = table.stdout.split("\n").find((line) => line.startsWith(letter.id));
      assert.ok(row, `a row for ${letter.id} in:\n${table.stdout}`);
      assert.match(row, new RegExp(`${GROUP}\\s+test\\.pinged\\s+2\\s+.*the warehouse is on fire`));
      assert.match(table.stdout, /^ID\s+GROUP\s+TYPE\s+ATTEMPTS\s+AT\s+ERROR$/m);
      assert.match(table.stdout, /^1 dead letter$/m);

      const listed = await dlq("list", "--json", "--group", GROUP);
      assert.equal(listed.code, 0, listed.stderr);
      const letters = JSON.parse(listed.stdout) as DeadLetter[];
      assert.deepEqual(letters.map((l) => [l.id, l.envelope?.id]), [[letter.id, sent.id]]);
      const otherGroup = await dlq("list", "--json", "--group", "bystander");
      assert.deepEqual(JSON.parse(otherGroup.stdout), []);

      const shown = await dlq("show", letter.id);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^event id:\\s+${sent.id}$`, "m"));
      assert.match(shown.stdout, /^error:\s+.*the warehouse is on fire/m);
      assert.match(shown.stdout, /"n": 42/);
      const shownJson = await dlq("show", letter.id, "--json");
      assert.equal((JSON.parse(shownJson.stdout) as DeadLetter).envelope?.id, sent.id);

      const replayed = await dlq("replay", letter.id, "--json");
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.deepEqual(JSON.parse(replayed.stdout), { replayed: 1 });
      await receivedAgain(bus, sent.id);

      for (const args of [["show", letter.id], ["replay", letter.id]]) {
        const gone = await dlq(...args);
        assert.equal(gone.code, 1, `${args.join(" ")}: ${gone.stdout}${gone.stderr}`);
        assert.equal(gone.stderr.trim(), `bazaar dlq: No dead letter "${letter.id}"`);
      }
      const none = await dlq("replay", "--all", "--group", GROUP);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /Nothing to replay/);
      const empty = await dlq("list");
      assert.equal(empty.code, 0);
      assert.match(empty.stdout, /No dead letters/);
    } finally {
      await bus.close({ graceMs: 0 });
      await cleanUp(setup, url!, namespace);
    }
  });

  test("replay --all sends every dead letter of a group back", async () => {
    const namespace = uniqueName("dlq");
    const { bus, sent } = await brokerWithDeadLetter(url!, namespace);
    try {
      const { code, stdout, stderr } = await runBazaar(
        ["dlq", "replay", "--all", "--group", GROUP, "--namespace", namespace],
        // The variables instead of the flags, as the server reads them.
        { BUS: setup, [setup === "redis" ? "REDIS_URL" : "NATS_URL"]: url! },
      );
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "Replayed 1 dead letter");
      await receivedAgain(bus, sent.id);
      assert.deepEqual(await bus.deadLetters.list(), []);
    } finally {
      await bus.close({ graceMs: 0 });
      await cleanUp(setup, url!, namespace);
    }
  });

  test("a broker that does not answer is exit 2 and one line", async () => {
    const dead = setup === "redis"
      ? `redis://127.0.0.1:${freePort()}`
      : `nats://127.0.0.1:${freePort()}`;
    const { code, stderr } = await runBazaar(["dlq", "list", "--bus", setup, urlFlag, dead]);
    assert.equal(code, 2);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /^bazaar dlq: Cannot connect to (Redis|NATS) at /);
  });
}

/** The group gets the replayed message: a subscriber that now succeeds handles it. */
async function receivedAgain(bus: Bus, id: string): Promise<void> {
  const seen: Envelope[] = [];
  const subscription = await bus.subscribe(GROUP, [pinged], (envelope) => {
    seen.push(envelope);
  });
  try {
    await waitFor(() => seen.some((e) => e.id === id), { message: "the replayed message" });
  } finally {
    await subscription.close();
  }
}
