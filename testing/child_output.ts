/**
 * What a child process writes to stdout and stderr, gathered as it arrives,
 * so a test that fails can show it.
 *
 * @module
 */

export class ChildOutput {
  #chunks: string[] = [];
  /** Resolves once both streams have ended (the child has exited and closed them). */
  readonly done: Promise<void>;

  constructor(child: Deno.ChildProcess) {
    this.done = Promise.all([child.stdout, child.stderr].map((stream) => this.#collect(stream)))
      .then(() => {});
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.#chunks.push(decoder.decode(chunk, { stream: true }));
  }

  /** Everything written so far, both streams in the order it arrived. */
  text(): string {
    return this.#chunks.join("");
  }
}
