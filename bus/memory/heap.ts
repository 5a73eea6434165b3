/**
 * A binary min-heap on a numeric key, for timed work (retries) that does not
 * arrive in due order.
 *
 * @module
 */

export class MinHeap<T> {
  readonly #items: T[] = [];

  constructor(private readonly key: (item: T) => number) {}

  get size(): number {
    return this.#items.length;
  }

  /** Every item, in no particular order. */
  values(): IterableIterator<T> {
    return this.#items.values();
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.key(items[parent]!) <= this.key(item)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.key(items[right]!) < this.key(items[left]!)
        ? right
        : left;
      if (this.key(items[child]!) >= this.key(last)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
