/** Hash slots of a Redis Cluster. */
const slots = 16_384;

/** The hash slot Redis Cluster gives a key whose hash tag is `tag`: CRC16 (XMODEM) of its UTF-8 bytes, mod 16384. */
export function keySlot(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag, "utf8")) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % slots;
}

/**
 * `count` hash tags (`s0-…`, `s1-…`, …), the i-th hashing within 8 slots of the middle of the i-th of
 * `count` equal ranges of slots. Redis Cluster tools and operators give each master a contiguous,
 * equal range of slots, so tags spread this way land evenly on the masters (with 128 tags and 40
 * masters: 3 or 4 each), where tags hashed at random would pile up on some masters and miss others.
 * Deterministic: every node finds the same tags (about a thousand CRCs per tag, once at start).
 */
export function spreadTags(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const middle = Math.floor(((i + 0.5) * slots) / count);
    for (let n = 0; ; n++) {
      const tag = `s${i}-${n}`;
      if (Math.abs(keySlot(tag) - middle) < 8) return tag;
    }
  });
}
