/**
 * Raw text on an in-memory broker, as a broken publisher would write it: the
 * memory twin of an XADD or a core-NATS publish straight onto the wire.
 *
 * @module
 */
import { openBroker } from "../../bus/memory/registry.ts";

/** Puts `raw` (not an envelope) on the log of `type`; a bus must be open on `url` and `namespace`. */
export function injectRaw(namespace: string, type: string, raw: string, url = "memory:"): void {
  const broker = openBroker(url, namespace);
  if (!broker) {
    throw new Error(`No memory bus is open on "${url}" with namespace "${namespace}"`);
  }
  broker.append(type, raw, broker.retention);
}
