/**
 * A pipeline's replies as values: ioredis answers `exec()` with an
 * `[error, value]` pair per command; the first error is thrown.
 *
 * @module
 */
import type { Redis } from "ioredis";

export async function execPipeline<T extends unknown[]>(
  pipeline: ReturnType<Redis["pipeline"]>,
): Promise<T> {
  const results = await pipeline.exec() ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  }) as T;
}
