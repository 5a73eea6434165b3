/**
 * A bound on a wait that leaves no timer behind (a shutdown must not wait on
 * one, and Deno's test sanitizers want none left over).
 *
 * @module
 */
import type { Timer } from "./timer.ts";

/** Settles as `promise` does, or rejects with an Error of `message` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
