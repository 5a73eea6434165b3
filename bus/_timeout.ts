/**
 * Rejects with `message` when `promise` has not settled within `ms`, and
 * always clears its timer: Deno's test sanitizers (and a clean shutdown) want
 * no timer left once a bus is closed.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
