/**
 * A counting semaphore that can be aborted: the in-flight limit one
 * subscription shares across all its pull consumers.
 *
 * @module
 */
export class Slots {
  #used = 0;
  #aborted = false;
  readonly #waiters: ((granted: boolean) => void)[] = [];

  constructor(readonly size: number) {}

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

  /** Every waiter, now and later, gets false. */
  abort(): void {
    this.#aborted = true;
    for (const waiter of this.#waiters.splice(0)) waiter(false);
  }
}
