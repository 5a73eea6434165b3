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

/** The broker a bus has open on `url` and `namespace`, if any (for tools that write to it raw). */
export function openBroker(url: string, namespace: string): Broker | undefined {
  return brokers.get(keyOf(url, namespace));
}
