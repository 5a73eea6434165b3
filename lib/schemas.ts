/**
 * Small zod building blocks that every module's contracts use the same way.
 *
 * @module
 */
import { z } from "zod";

/** Opaque ids: non-empty, printable, bounded. */
export const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, "must be an id");
/** Money in minor units (cents): a non-negative integer, never a float. */
export const money = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A count of units: a positive integer. */
export const quantity = z.number().int().positive().max(1_000_000);
export const timestamp = z.string().datetime();
