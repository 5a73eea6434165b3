/**
 * Waiting, bounded and unbounded, without leaving a timer behind: deadlines
 * (`withTimeout`, `settlesWithin`), sleeping (`delay`, `Sleeper`), a
 * `Semaphore`, and the one `PeriodicTask` every background loop runs on.
 * One export per file, as Deno std's async kit.
 *
 * @module
 */
export { delay, type DelayOptions } from "./delay.ts";
export { type PeriodicOptions, PeriodicTask, type PeriodicWork } from "./periodic.ts";
export { Semaphore } from "./semaphore.ts";
export { settlesWithin } from "./settles_within.ts";
export { Sleeper } from "./sleeper.ts";
export type { Timer } from "./timer.ts";
export { withTimeout } from "./with_timeout.ts";
