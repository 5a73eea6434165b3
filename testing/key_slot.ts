/**
 * The Redis Cluster slot of a key, as every node computes it (CLUSTER
 * KEYSLOT), without a cluster: CRC16 (XMODEM) of the key's hash tag — what
 * lies between its first `{` and the next `}`, when that is not empty — or of
 * the whole key, modulo 16384. Keys with one hash tag share a slot.
 *
 * @module
 */

export const SLOTS = 16_384;

export function keySlot(key: string): number {
  const bytes = new TextEncoder().encode(key);
  const open = bytes.indexOf(0x7b); // {
  const close = open >= 0 ? bytes.indexOf(0x7d, open + 1) : -1; // }
  const hashed = close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  return crc16(hashed) % SLOTS;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}
