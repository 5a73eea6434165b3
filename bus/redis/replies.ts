/**
 * Typed views of the stream replies ioredis hands back as nested arrays.
 * ioredis types them `unknown`, so each shape is checked rather than cast.
 *
 * @module
 */

/** One stream entry; `fields` is null when the entry was deleted but still pending. */
export interface StreamEntry {
  id: string;
  fields: string[] | null;
}

function fail(what: string, value: unknown): never {
  throw new TypeError(`Unexpected ${what} reply from Redis: ${JSON.stringify(value)}`);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

export function parseEntries(value: unknown): StreamEntry[] {
  if (!Array.isArray(value)) fail("stream entries", value);
  return value.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") fail("stream entry", entry);
    const fields: unknown = entry[1];
    if (fields === null || fields === undefined) return { id: entry[0], fields: null };
    if (!isStrings(fields)) fail("stream entry fields", fields);
    return { id: entry[0], fields };
  });
}

/** XREADGROUP: null when the block timed out, else `[[key, entries], …]`. */
export function parseReadReply(value: unknown): Array<{ key: string; entries: StreamEntry[] }> {
  if (value === null) return [];
  if (!Array.isArray(value)) fail("XREADGROUP", value);
  return value.map((item: unknown) => {
    if (!Array.isArray(item) || typeof item[0] !== "string") fail("XREADGROUP stream", item);
    return { key: item[0], entries: parseEntries(item[1]) };
  });
}

export interface AutoClaimReply {
  /** Where the next scan starts; "0-0" once the whole pending list was scanned. */
  cursor: string;
  entries: StreamEntry[];
  /** Pending ids whose entries were trimmed or deleted (Redis 7). */
  deleted: string[];
}

export function parseAutoClaim(value: unknown): AutoClaimReply {
  if (!Array.isArray(value) || typeof value[0] !== "string") fail("XAUTOCLAIM", value);
  const deleted: unknown = value[2] ?? [];
  if (!isStrings(deleted)) fail("XAUTOCLAIM deleted ids", deleted);
  return { cursor: value[0], entries: parseEntries(value[1]), deleted };
}

export interface PendingEntry {
  id: string;
  consumer: string;
  deliveries: number;
}

/** XPENDING key group start end count: `[[id, consumer, idle, deliveries], …]`. */
export function parsePending(value: unknown): PendingEntry[] {
  if (!Array.isArray(value)) fail("XPENDING", value);
  return value.map((item: unknown) => {
    if (
      !Array.isArray(item) || typeof item[0] !== "string" || typeof item[1] !== "string" ||
      typeof item[3] !== "number"
    ) {
      fail("XPENDING entry", item);
    }
    return { id: item[0], consumer: item[1], deliveries: item[3] };
  });
}

/** One group's line of XINFO GROUPS; `lag` is null where Redis cannot tell (or is older than 7). */
export interface GroupInfo {
  name: string;
  pending: number;
  lag: number | null;
}

/** XINFO GROUPS key: `[[field, value, …], …]`, one flat list per group. */
export function parseGroupsInfo(value: unknown): GroupInfo[] {
  if (!Array.isArray(value)) fail("XINFO GROUPS", value);
  return value.map((item: unknown) => {
    if (!Array.isArray(item)) fail("XINFO GROUPS entry", item);
    const field = (name: string): unknown => {
      for (let i = 0; i + 1 < item.length; i += 2) if (item[i] === name) return item[i + 1];
      return undefined;
    };
    const [name, pending, lag] = [field("name"), field("pending"), field("lag")];
    if (typeof name !== "string" || typeof pending !== "number") fail("XINFO GROUPS entry", item);
    return { name, pending, lag: typeof lag === "number" ? lag : null };
  });
}

/** The value of `name` in a flat `[field, value, …]` list. */
export function fieldValue(fields: readonly string[], name: string): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1]!;
  }
  return null;
}

/**
 * Whether a command failed because its consumer group (or its stream) is gone:
 * NOGROUP, or UNBLOCKED when the stream was deleted under a blocked read.
 */
export function isNoGroup(error: unknown): boolean {
  return error instanceof Error && /^(NOGROUP|UNBLOCKED)/.test(error.message);
}
