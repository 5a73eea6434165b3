/**
 * What the bus conformance cases share: the harness an adapter provides, the
 * test events, and a helper that opens buses on a fresh namespace.
 *
 * @module
 */
import { z } from "zod";
import { defineEvent } from "../../bus/types.ts";
import type { Bus, Envelope } from "../../bus/types.ts";
import type { BusConfig } from "../../bus/config.ts";
import { uniqueName } from "../services.ts";
import { delay } from "../wait.ts";

export interface BusHarness {
  /** Adapter name, used in test names. */
  name: string;
  /** Null skips the suite (the adapter's server is not configured). */
  available: boolean;
  /** A new, separately connected bus instance on `namespace`. */
  create(
    source: string,
    namespace: string,
    config?: Pick<BusConfig, "retention" | "retentionMs">,
  ): Promise<Bus>;
  /** Puts raw text on the wire for `type`, as a broken publisher would. */
  injectRaw(namespace: string, type: string, raw: string): Promise<void>;
  /** Scales the timing of the slow tests (ack deadlines) for slower brokers. */
  timeScale?: number;
  /** What the adapter cannot do, each with the reason: those cases are skipped, by name. */
  lacks?: Partial<Record<BusFeature, string>>;
}

/**
 * Capabilities an adapter may lack. keepsUntaken: history past the retention
 * bounds is kept while a group has not taken it.
 */
export type BusFeature = "keepsUntaken";

/** A case's name, and the feature it needs when not every adapter has it. */
export type CaseSpec = string | { name: string; lacks: BusFeature };

export const pinged = defineEvent(
  "test.pinged",
  z.object({ n: z.number().int().nonnegative() }),
);
export const ponged = defineEvent(
  "test.ponged",
  z.object({ n: z.number().int().nonnegative(), note: z.string() }),
);

/** `extra` passes through zod as is (no copy), so only the adapter can keep deliveries apart. */
export const tagged = defineEvent(
  "test.tagged",
  z.object({ tags: z.array(z.string()), extra: z.unknown() }),
);

export const fastRetry = { backoff: () => 20 };

/** Opens buses on a fresh namespace and closes them all after the test body. */
export async function withBuses(
  harness: BusHarness,
  body: (open: (source?: string) => Promise<Bus>) => Promise<void>,
): Promise<void> {
  const namespace = uniqueName("ns");
  const buses: Bus[] = [];
  const open = async (source = "test") => {
    const bus = await harness.create(source, namespace);
    buses.push(bus);
    return bus;
  };
  try {
    await body(open);
  } finally {
    await Promise.all(buses.map((bus) => bus.close({ graceMs: 200 })));
  }
}

export function countBy<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Registers one case of the suite (named after the adapter, skipped when it is unavailable). */
export type CaseRegistrar = (spec: CaseSpec, fn: () => Promise<void>) => void;

/**
 * Publishes `envelope` until the broker takes it, as an outbox relay does (the same
 * envelope each time, so a broker that dedups keeps one); answers how many tries failed.
 * Past `deadline` (epoch ms) the last failure is thrown.
 */
export async function publishUntilTaken(
  bus: Pick<Bus, "publishEnvelope">,
  envelope: Envelope,
  deadline = Date.now() + 30_000,
): Promise<number> {
  for (let failures = 0;; failures++) {
    try {
      await bus.publishEnvelope(envelope);
      return failures;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(100);
    }
  }
}
