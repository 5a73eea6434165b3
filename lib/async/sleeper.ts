/**
 * Sleeps that a stop cuts short, so a closing loop need not wait out a backoff.
 *
 * @module
 */
import type { Timer } from "./timer.ts";

/** Hands out sleeps; `stop()` ends every one of them, now and later. */
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
