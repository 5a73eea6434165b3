/**
 * Sleeping for a while.
 *
 * @module
 */
import type { Timer } from "./timer.ts";

export interface DelayOptions {
  /** Ends the sleep early (resolving, not rejecting): whoever aborts is stopping anyway. */
  signal?: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` is (or becomes) aborted; clears its timer either way. */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let timer: Timer | undefined = undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
