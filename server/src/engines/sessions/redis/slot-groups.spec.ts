import { describe, expect, it } from "vitest";
import { keySlot, spreadTags } from "./slot-groups.ts";

describe("slot groups", () => {
  it("computes Redis Cluster's key slots (values from CLUSTER KEYSLOT)", () => {
    expect([keySlot("foo"), keySlot("bar"), keySlot("hello"), keySlot("123456789")]).toEqual([12182, 5061, 866, 0x31c3]);
  });

  it("spreads tags one per equal range of slots, so that masters with equal ranges get equal shares", () => {
    const tags = spreadTags(128);
    expect(new Set(tags).size).toBe(128);
    tags.forEach((tag, i) => expect(Math.floor(keySlot(tag) / 128)).toBe(i));
    // 40 masters with contiguous ranges, as redis-cli --cluster create assigns them: 3 or 4 tags each.
    const perMaster = new Map<number, number>();
    for (const tag of tags) {
      const master = Math.floor((keySlot(tag) * 40) / 16_384);
      perMaster.set(master, (perMaster.get(master) ?? 0) + 1);
    }
    expect(perMaster.size).toBe(40);
    expect(Math.max(...perMaster.values()) - Math.min(...perMaster.values())).toBeLessThanOrEqual(1);
  });
});
