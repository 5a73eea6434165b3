/**
 * The handle `setTimeout` returns here: Deno says `number`, Node's typings
 * (pulled in by ioredis) say `Timeout`; this names whichever is in force.
 *
 * @module
 */
export type Timer = ReturnType<typeof setTimeout>;
