import { describe, expect, it } from "vitest";
import { parseQuery } from "./query.ts";
import { hasPhrases, snippetLength, snippetOf } from "./snippet.ts";

const snippet = (text: string, query: string) => snippetOf(text, parseQuery(query));
const highlighted = (text: string, query: string) => snippet(text, query).filter((p) => p.highlighted).map((p) => p.text);
const joined = (text: string, query: string) => snippet(text, query).map((p) => p.text).join("");

describe("search snippets", () => {
  it("a short text is whole, with each matching word highlighted as written (case, accents, CJK, prefixes)", () => {
    expect(snippet("Le CAFÉ est ouvert, café!", "cafe")).toEqual([
      { text: "Le ", highlighted: false }, { text: "CAFÉ", highlighted: true }, { text: " est ouvert, ", highlighted: false },
      { text: "café", highlighted: true }, { text: "!", highlighted: false },
    ]);
    expect(highlighted("我爱北京天安门", "北京")).toEqual(["北京"]);
    expect(highlighted("Categories and cats, not a cat-alogue", "cat*")).toEqual(["Categories", "cats", "cat"]);
  });

  it("a long text is cut around the first match at word boundaries, with … at each cut end", () => {
    const before = Array.from({ length: 60 }, (_, i) => `pre${i}`).join(" ");
    const after = Array.from({ length: 60 }, (_, i) => `post${i}`).join(" ");
    const text = `${before} needle ${after}`;
    const pieces = snippet(text, "needle");
    const shown = pieces.map((p) => p.text).join("");
    expect(shown.startsWith("…pre")).toBe(true);
    expect(shown.endsWith("…")).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(snippetLength + 2);
    expect(shown.indexOf("needle")).toBeGreaterThan(30);
    expect(shown.indexOf("needle")).toBeLessThan(80);
    expect(pieces.filter((p) => p.highlighted)).toEqual([{ text: "needle", highlighted: true }]);
    expect(shown).not.toMatch(/…\s|\s…/);
    // Every piece but the … ends is text of the message, in order.
    expect(text.includes(shown.slice(1, -1).trim())).toBe(true);
  });

  it("a match near the start shows the start; whitespace runs show as one space; a filters-only hit shows the start", () => {
    expect(joined("hello\n\n  world", "world")).toBe("hello world");
    const long = `word ${"x".repeat(300)}`;
    expect(joined(long, "from:@alice").startsWith("word ")).toBe(true);
    expect(joined(long, "from:@alice").endsWith("…")).toBe(true);
    expect(snippet("", "has:file")).toEqual([]);
  });

  it("never splits a character of a very long word", () => {
    const text = "😀".repeat(150);
    const shown = joined(text, "from:@alice");
    expect(shown.endsWith("…")).toBe(true);
    expect([...shown.slice(0, -1)].every((c) => c === "😀")).toBe(true);
  });

  it("phrases are checked word after word on the text", () => {
    const { phrases } = parseQuery('"brown fox"');
    expect(hasPhrases("The quick Brown, fox!", phrases)).toBe(true);
    expect(hasPhrases("the fox is brown", phrases)).toBe(false);
    expect(hasPhrases("brown bear and a fox", phrases)).toBe(false);
    expect(hasPhrases("anything", [])).toBe(true);
  });
});
