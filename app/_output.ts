/**
 * Where a subcommand (`dlq`, `healthcheck`) writes: the console, or a test's
 * collector.
 *
 * @module
 */

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const consoleOutput: Output = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};
