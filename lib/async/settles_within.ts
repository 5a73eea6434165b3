/**
 * A bounded wait that never throws and leaves no timer behind.
 *
 * @module
 */
import type { Timer } from "./timer.ts";

/** Resolves true when `promise` settles (either way) within `ms`, false when the time ran out first. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  const settled = promise.then(() => true, () => true);
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}
