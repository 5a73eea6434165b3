/**
 * Deletes a throwaway namespace's streams on a shared NATS server, for tests
 * and benchmarks (the Redis twin is redis_cleanup.ts).
 *
 * @module
 */
import { connectNats } from "../../bus/nats/connection.ts";
import { natsNames } from "../../bus/nats/names.ts";
import { apiErrorCode, STREAM_NOT_FOUND } from "../../bus/nats/streams.ts";

/**
 * Deletes the streams (and so the durables and dead letters) of one namespace.
 * For tests and benchmarks that made a throwaway namespace on a shared server.
 */
export async function deleteNamespace(url: string, namespace: string): Promise<void> {
  const names = natsNames(namespace);
  const nc = await connectNats(url, { name: `bazaar-cleanup-${namespace}` });
  try {
    const jsm = await nc.jetstreamManager();
    for (const stream of [names.eventsStream, names.deadStream]) {
      try {
        await jsm.streams.delete(stream);
      } catch (error) {
        if (apiErrorCode(error) !== STREAM_NOT_FOUND) throw error;
      }
    }
  } finally {
    await nc.close();
  }
}
