import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sequencerSlots, slotOf } from "./owner-router.ts";

describe("slotOf", () => {
  it("gives every conversation the slot the previous releases gave it (nodes of both share a cluster)", () => {
    // The previous releases' definition: a conversation in two slots would have two sequencers.
    const previous = (id: string) => createHash("sha1").update(id).digest().readUInt32BE(0) % sequencerSlots;
    const ids = ["", "a", "ü漢字", ...Array.from({ length: 500 }, (_, i) => `0193a1b2-7c3d-7e4f-8a9b-${String(i).padStart(12, "0")}`)];
    for (const id of ids) expect(slotOf(id), id).toBe(previous(id));
    expect(slotOf("a")).toBe(23);
  });
});
