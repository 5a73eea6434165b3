/**
 * Password hashes: scrypt (memory-hard) at OWASP's recommended cost, in a
 * self-describing form `scrypt$<N>$<r>$<p>$<salt, base64url>$<key, base64url>`,
 * so a hash keeps verifying when the cost for new ones changes.
 *
 * The async `scrypt` runs off the event loop; at most a few run at once, so a
 * burst of sign-ins waits its turn instead of taking 128 MiB each.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto";
import { Semaphore } from "../../../lib/async/mod.ts";

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** OWASP Password Storage Cheat Sheet: N=2^17, r=8, p=1 (128 MiB, about half a second here). */
export const OWASP_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** At most this many hashes at once: each takes 128·N·r bytes while it runs. */
const CONCURRENT_HASHES = 4;
/** The most a stored hash may ask for: a corrupt record must not take the process down. */
const MAX_COST: ScryptCost = { N: 2 ** 20, r: 16, p: 4 };

const hashing = new Semaphore(CONCURRENT_HASHES);

async function derive(password: string, salt: Uint8Array, cost: ScryptCost): Promise<Buffer> {
  // Never aborted, so it always grants a slot.
  await hashing.acquire();
  try {
    const options: ScryptOptions = {
      ...cost,
      // Room for the 128·N·r bytes scrypt needs, with some to spare.
      maxmem: 256 * cost.N * cost.r + 1024 * 1024,
    };
    return await new Promise<Buffer>((resolve, reject) =>
      // NFC: the same password typed on two systems is the same bytes.
      scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (error, key) =>
        error ? reject(error) : resolve(key))
    );
  } finally {
    hashing.release();
  }
}

const toBase64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** A new hash of `password` with a fresh random salt (equal passwords hash differently). */
export async function hashPassword(password: string, cost = OWASP_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ["scrypt", cost.N, cost.r, cost.p, toBase64Url(salt), toBase64Url(key)].join("$");
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const match = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/
    .exec(stored);
  if (!match) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_COST.N || r < 1 || r > MAX_COST.r || p < 1 || p > MAX_COST.p) {
    return null;
  }
  const salt = Buffer.from(match[4]!, "base64url");
  const key = Buffer.from(match[5]!, "base64url");
  if (salt.length < SALT_BYTES || key.length < 16 || key.length > 64) return null;
  return { cost: { N, r, p }, salt, key };
}

/** Whether `password` is the one `stored` was made from, compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** One hash per cost, of a random password nobody knows. */
const decoys = new Map<string, Promise<string>>();

/**
 * Does the work of a verification that cannot succeed: for an unknown email
 * or a customer without a password, so the answer takes as long as for a
 * wrong password and timing tells nothing.
 */
export async function verifyNothing(password: string, cost = OWASP_SCRYPT): Promise<false> {
  const name = `${cost.N}$${cost.r}$${cost.p}`;
  let decoy = decoys.get(name);
  if (!decoy) decoys.set(name, decoy = hashPassword(crypto.randomUUID(), cost));
  await verifyPassword(password, await decoy);
  return false;
}
