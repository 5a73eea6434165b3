/**
 * An append-only sequence addressed by absolute position, dropping from the
 * front in amortised O(1): a head index instead of `Array.shift`, compacted
 * once the dead prefix is at least half the array.
 *
 * @module
 */

const COMPACT_AFTER = 1024;

export class Log<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  /** Position of the oldest item still held. */
  #first = 0;

  /** Position of the oldest item still held. */
  get first(): number {
    return this.#first;
  }

  /** Position the next appended item will get. */
  get end(): number {
    return this.#first + this.#items.length - this.#head;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The item at `position`; only valid for `first <= position < end`. */
  at(position: number): T {
    return this.#items[this.#head + position - this.#first] as T;
  }

  /** The items held, oldest first. */
  *values(): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }

  append(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    this.#first++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
