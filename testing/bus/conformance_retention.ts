/**
 * Conformance cases for retention: history is bounded by count and by age
 * once every group has taken it, and never loses what a group has not.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Bus } from "../../bus/types.ts";
import { delay, waitFor } from "../wait.ts";
import { uniqueName } from "../services.ts";
import { type BusHarness, type CaseRegistrar, pinged } from "./conformance_shared.ts";

type Open = (retention: number, retentionMs?: number) => Promise<Bus>;

async function withRetention(harness: BusHarness, body: (open: Open) => Promise<void>) {
  const namespace = uniqueName("ns");
  const buses: Bus[] = [];
  try {
    await body(async (retention, retentionMs) => {
      const bus = await harness.create("test", namespace, { retention, retentionMs });
      buses.push(bus);
      return bus;
    });
  } finally {
    await Promise.all(buses.map((bus) => bus.close({ graceMs: 200 })));
  }
}

/** Makes `group` exist, at the start of the history, without taking anything. */
async function join(bus: Bus, group: string): Promise<void> {
  await (await bus.subscribe(group, [pinged], () => {})).close();
}

/** Reads `group` (new or not) until it holds and lags nothing, then leaves it. */
async function readAll(bus: Bus, group: string): Promise<number[]> {
  const seen: number[] = [];
  const subscription = await bus.subscribe(group, [pinged], (e) => {
    seen.push((e.data as { n: number }).n);
  });
  try {
    await waitFor(async () => {
      const backlog = await bus.backlog(group);
      return backlog.lag === 0 && backlog.pending === 0 && seen.length > 0;
    }, { timeoutMs: 15_000 });
  } finally {
    await subscription.close();
  }
  return seen;
}

/** What a group that starts now finds: polled, as a broker may trim a moment after a publish. */
async function historyBecomes(bus: Bus, expected: (seen: number[]) => boolean): Promise<number[]> {
  let seen: number[] = [];
  await waitFor(async () => expected(seen = await readAll(bus, uniqueName("probe"))), {
    timeoutMs: 15_000,
  });
  return seen;
}

async function publishRange(bus: Bus, from: number, to: number): Promise<void> {
  await Promise.all(
    Array.from({ length: to - from }, (_, i) => bus.publish(pinged, { n: from + i })),
  );
}

export function retentionCases(harness: BusHarness, test: CaseRegistrar, scale: number): void {
  test("history is bounded by count once every group has taken it", async () => {
    await withRetention(harness, async (open) => {
      const bus = await open(100);
      const taken: number[] = [];
      const reader = await bus.subscribe("reader", [pinged], (e) => {
        taken.push((e.data as { n: number }).n);
      });
      // In steps the reader keeps up with, so it takes every message before a bound could bite.
      for (let from = 1; from < 301; from += 50) {
        await publishRange(bus, from, from + 50);
        await waitFor(() => taken.length === from + 49);
      }
      await reader.close();
      // Brokers trim a little behind the publishes (Redis: at most every 250 ms, and once
      // more 250 ms after the last): the next publish after a pause longer than both trims at
      // once, before the probes below join at the start of the history (a group that has not
      // read yet holds every trim back).
      await delay(600 * scale);
      await bus.publish(pinged, { n: 301 });
      const seen = await historyBecomes(bus, (s) => s.length <= 100);
      assert.equal(seen.length, 100, "the newest 100 are kept");
      assert.equal(Math.min(...seen), 202);
      assert.equal(Math.max(...seen), 301);
    });
  });

  test("history is bounded by age once every group has taken it", async () => {
    await withRetention(harness, async (open) => {
      const bus = await open(10_000, 1_000 * scale);
      await join(bus, "reader");
      await publishRange(bus, 1, 21);
      assert.equal((await readAll(bus, "reader")).length, 20);
      await delay(1_500 * scale);
      await bus.publish(pinged, { n: 21 });
      const seen = await historyBecomes(bus, (s) => s.length < 21);
      assert.deepEqual(seen, [21], "only the message younger than the age bound is kept");
    });
  });

  test({
    name: "a group that has not taken its messages keeps them past both bounds",
    lacks: "keepsUntaken",
  }, async () => {
    await withRetention(harness, async (open) => {
      const bus = await open(100, 1_000 * scale);
      await join(bus, "slow");
      await publishRange(bus, 0, 300);
      await delay(1_500 * scale);
      await bus.publish(pinged, { n: 300 });
      const seen = await readAll(bus, "slow");
      assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), [...Array(301).keys()]);
    });
  });
}
