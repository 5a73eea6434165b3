/**
 * A time as a compact codec stores it: epoch ms whenever that gives the same
 * ISO text back (what `toISOString()` wrote), else the text itself.
 *
 * @module
 */

export type CompactTime = number | string;

/**
 * Times met lately: a record's earlier times come back on every write of it
 * (an order's history, its creation), and a parse plus the check costs ≈2 µs.
 */
const known = new Map<string, CompactTime>();
const KNOWN_MAX = 4_096;

export function compactTime(iso: string): CompactTime {
  const hit = known.get(iso);
  if (hit !== undefined) return hit;
  const ms = Date.parse(iso);
  const time = Number.isFinite(ms) && new Date(ms).toISOString() === iso ? ms : iso;
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(iso, time);
  return time;
}

export function isoTime(time: CompactTime): string {
  return typeof time === "number" ? new Date(time).toISOString() : time;
}
