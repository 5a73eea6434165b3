/**
 * One V8 inspector session (Chrome DevTools Protocol) with a bazaar process
 * started under `--inspect=127.0.0.1:<port>`: the profile's CPU samples, the
 * soak's live heap.
 *
 * @module
 */

/** The live heap right after a full collection: what the process still holds. */
export interface HeapUsage {
  /** V8 heap bytes in use (live objects), MiB. */
  usedMb: number;
  /** ArrayBuffer backing stores, outside the V8 heap proper, MiB. */
  backingMb: number;
}

export class Inspector {
  #next = 0;
  readonly #waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string);
      this.#waiting.get(message.id)?.(message);
      this.#waiting.delete(message.id);
    };
  }

  /** The session of the process whose inspector listens on `port`. */
  static async open(port: number): Promise<Inspector> {
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`No inspector answers on port ${port}`));
    });
    return new Inspector(socket);
  }

  async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#next;
    const reply = await new Promise<{ result?: unknown; error?: unknown }>((resolve) => {
      this.#waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
    if (reply.error) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  /**
   * Collects every piece of garbage (a full, stop-the-world collection), then
   * reads the heap: no sawtooth of garbage waiting for the next collection.
   */
  async heapAfterGc(): Promise<HeapUsage> {
    await this.send("HeapProfiler.collectGarbage");
    const usage = await this.send("Runtime.getHeapUsage") as Record<string, number>;
    return {
      usedMb: usage.usedSize! / 2 ** 20,
      backingMb: (usage.backingStorageSize ?? 0) / 2 ** 20,
    };
  }

  close(): void {
    this.socket.close();
  }
}
