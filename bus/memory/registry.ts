/**
 * The process-wide table of in-memory brokers, keyed by broker name and
 * namespace: `memory:` is broker "default", `memory://orders` broker "orders".
 *
 * @module
 */
import type { Retention } from "../defaults.ts";
import { Broker } from "./broker.ts";

const brokers = new Map<string, Broker>();

const MEMORY_URL = /^memory:(?:\/\/([A-Za-z0-9_.-]*))?$/i;

/** The broker name a `memory:` URL names; throws a RangeError with the URL otherwise. */
export function brokerNameOf(url: string): string {
  const match = MEMORY_URL.exec(url);
  if (!match) {
    throw new RangeError(`Memory bus URL "${url}" must be memory: or memory://<name>`);
  }
  return match[1] || "default";
}

function keyOf(url: string, namespace: string): string {
  return JSON.stringify([brokerNameOf(url), namespace]);
}

/** The broker of `url` and `namespace`, created on first use; pair with releaseBroker(). */
export function acquireBroker(url: string, namespace: string, retention: Retention): Broker {
  const key = keyOf(url, namespace);
  let broker = brokers.get(key);
  if (!broker) brokers.set(key, broker = new Broker(key, retention));
  broker.refs++;
  return broker;
}

/** Drops the broker with its last bus, so test namespaces do not pile up in memory. */
export function releaseBroker(broker: Broker): void {
  if (--broker.refs > 0) return;
  if (brokers.get(broker.key) === broker) brokers.delete(broker.key);
  broker.shutDown();
}

/**
 * Test hook: puts raw text (not an envelope) on the log of `type`, as a broken
 * publisher would. A bus must be open on `url` and `namespace`.
 */
export function injectRaw(namespace: string, type: string, raw: string, url = "memory:"): void {
  const broker = brokers.get(keyOf(url, namespace));
  if (!broker) {
    throw new Error(`No memory bus is open on "${url}" with namespace "${namespace}"`);
  }
  broker.append(type, raw, broker.retention);
}
