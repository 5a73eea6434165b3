/**
 * Polling helpers for tests: wait for a condition until a deadline instead of
 * sleeping a fixed time and hoping.
 *
 * @module
 */

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the error when the deadline passes. */
  message?: string;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the first truthy value of `probe`; throws when the deadline passes. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 10, message }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await delay(intervalMs);
  }
  throw new Error(
    `${message ?? "Condition"} not met within ${timeoutMs} ms (last value: ${
      JSON.stringify(last)
    })`,
  );
}
