/**
 * Waits with a bound, leaving no timer behind (a shutdown must not wait on
 * one, and tests' sanitizers want none left over).
 *
 * @module
 */

/** Resolves true when `promise` settles within `ms`, false when the time ran out first. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  const settled = promise.then(() => true, () => true);
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}
