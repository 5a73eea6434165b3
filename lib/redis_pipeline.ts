/**
 * A pipeline's replies as values: ioredis answers `exec()` with an
 * `[error, value]` pair per command; the first error is thrown. On a Redis
 * Cluster a pipeline goes to one node, so its keys must share a slot (a
 * module's keys do: lib/module.ts `moduleKeyPrefix`).
 *
 * @module
 */
import type { ChainableCommander } from "ioredis";

export async function execPipeline<T extends unknown[]>(pipeline: ChainableCommander): Promise<T> {
  const results = await pipeline.exec() ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  }) as T;
}
