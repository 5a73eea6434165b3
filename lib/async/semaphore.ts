/**
 * A counting semaphore that can be aborted: at most `size` holders at once,
 * the rest wait in line (first come, first served).
 *
 * @module
 */

/** `size` slots; `acquire()` waits for one, `release()` hands it to the next in line. */
export class Semaphore {
  #used = 0;
  #aborted = false;
  readonly #waiters: ((granted: boolean) => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`A semaphore's size must be a positive integer, got ${size}`);
    }
  }

  /** Takes a free slot at once if there is one (no promise, no tick); false otherwise. */
  tryAcquire(): boolean {
    if (this.#aborted || this.#used >= this.size) return false;
    this.#used++;
    return true;
  }

  /** Resolves true with a slot taken, or false once aborted. */
  acquire(): Promise<boolean> {
    if (this.#aborted) return Promise.resolve(false);
    if (this.#used < this.size) {
      this.#used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    // The slot passes straight to the next waiter, so #used stays the same.
    if (next) next(true);
    else this.#used--;
  }

  /** Runs `work` holding a slot (waiting for one first); throws if aborted before it got one. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (!await this.acquire()) throw new Error("The semaphore was aborted");
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Every waiter, now and later, gets false. */
  abort(): void {
    this.#aborted = true;
    for (const waiter of this.#waiters.splice(0)) waiter(false);
  }
}
