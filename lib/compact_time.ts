/**
 * A time as a compact codec stores it: epoch ms whenever that gives the same
 * ISO text back (what `toISOString()` wrote), else the text itself.
 *
 * @module
 */

export type CompactTime = number | string;

export function compactTime(iso: string): CompactTime {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString() === iso ? ms : iso;
}

export function isoTime(time: CompactTime): string {
  return typeof time === "number" ? new Date(time).toISOString() : time;
}
