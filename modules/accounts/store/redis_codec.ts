/**
 * Ledger lines and payment times as the Redis store keeps them: a line is a
 * JSON array `[type initial, amount, at, order id?]` rather than an object
 * naming each field, and times are epoch ms whenever that gives the same ISO
 * text back (lib/compact_time.ts). Lines written as objects still read.
 *
 * @module
 */
import { type CompactTime, compactTime, isoTime } from "../../../lib/compact_time.ts";
import type { LedgerEntry, LedgerType } from "../domain/types.ts";

const TYPES: Record<string, LedgerType> = { d: "deposit", c: "charge", r: "refund" };

export function encodeLedgerLine(entry: LedgerEntry): string {
  const line: (string | number)[] = [entry.type[0]!, entry.amount, compactTime(entry.at)];
  if (entry.order_id !== undefined) line.push(entry.order_id);
  return JSON.stringify(line);
}

export function decodeLedgerLine(line: string): LedgerEntry {
  const parsed = JSON.parse(line) as LedgerEntry | [string, number, CompactTime, string?];
  if (!Array.isArray(parsed)) return parsed;
  const [type, amount, at, orderId] = parsed;
  const entry: LedgerEntry = { type: TYPES[type]!, amount, at: isoTime(at) };
  if (orderId !== undefined) entry.order_id = orderId;
  return entry;
}

/** A time for a hash field: the epoch ms as text, or the ISO text when that would not give it back. */
export function timeField(iso: string): string {
  return String(compactTime(iso));
}

export function isoOfField(field: string): string {
  return /^\d+$/.test(field) ? isoTime(Number(field)) : field;
}
