import { describe, expect, it } from "vitest";
import { maxMentionCandidates, mentionTokens } from "./mentions.ts";

describe("mentionTokens", () => {
  it("finds @names lower-case, each once, in order of first appearance, without trailing dots", () => {
    expect(mentionTokens("hi @Bob and @carol_1, @BOB again. @all! bye @dave.")).toEqual(["bob", "carol_1", "all", "dave"]);
  });

  it("skips addresses, names too short or long, and a lone @", () => {
    expect(mentionTokens("mail bob@example.com, @ab, @, @@, x@bob")).toEqual([]);
    expect(mentionTokens(`@${"a".repeat(33)} @${"b".repeat(32)}`)).toEqual(["b".repeat(32)]);
    expect(mentionTokens("no mentions here")).toEqual([]);
  });

  it("reads at most a bounded number of distinct names", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `@user${i}`).join(" ");
    expect(mentionTokens(text)).toHaveLength(maxMentionCandidates);
  });
});
