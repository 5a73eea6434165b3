/**
 * Waits that always clear their timers: Deno's test sanitizers (and a clean
 * shutdown) want no timer left once a bus is closed.
 *
 * @module
 */

/** Whatever setTimeout returns here (Node's typings, pulled in by ioredis, say `Timeout`). */
export type Timer = ReturnType<typeof setTimeout>;

/** Resolves true when `promise` settles within `ms`, false when the time ran out first. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | undefined;
  const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  const settled = promise.then(() => true, () => true);
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/** Sleeps that close() cuts short, so it need not wait out a backoff. */
export class Sleeper {
  #pending = new Map<Timer, () => void>();
  #stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve();
      }, ms);
      this.#pending.set(timer, resolve);
    });
  }

  /** Ends every sleep now, and every later one at once. */
  stop(): void {
    this.#stopped = true;
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve();
    }
    this.#pending.clear();
  }
}
