import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eachAsciiWord } from "./ascii-words.ts";
import { indexTerms, maxWordLength, segmenterTokenize, tokenize } from "./tokenize.ts";

// The fast paths must cut and fold exactly as Intl.Segmenter over the whole text did (segmenterTokenize):
// both stores index these words and queries are cut by them, so any difference loses or invents hits.

/** The word-like segments of an ASCII text by ascii-words.ts alone, as "start:end". */
function asciiSegments(text: string): string[] {
  const found: string[] = [];
  eachAsciiWord(text, 0, text.length, (start, end) => found.push(`${start}:${end}`));
  return found;
}
const segmenter = new Intl.Segmenter("und", { granularity: "word" });
const segmenterSegments = (text: string) => [...segmenter.segment(text)].filter((s) => s.isWordLike).map((s) => `${s.index}:${s.index + s.segment.length}`);

/** Both tokenizers agree on the words, their offsets, and the distinct terms indexed. */
function expectSameWords(text: string): void {
  const expected = segmenterTokenize(text);
  expect(tokenize(text), JSON.stringify(text)).toEqual(expected);
  expect(indexTerms(text), JSON.stringify(text)).toEqual([...new Set(expected.map((t) => t.word))]);
}

/** ASCII with the marks that join words weighted up, in runs, next to each other and at the ends. */
const asciiPiece = fc.oneof(
  { arbitrary: fc.constantFrom("a", "Z", "q", "7", "0", ":", ".", "'", ",", ";", "_", " ", "-", '"', "\n", "\r", "\t", "\x0b", "@", "/"), weight: 6 },
  { arbitrary: fc.stringMatching(/^[A-Za-z]{1,8}$/), weight: 2 },
  { arbitrary: fc.stringMatching(/^[0-9]{1,5}$/), weight: 2 },
  { arbitrary: fc.stringMatching(/^[:.',;_]{1,3}$/), weight: 2 },
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9_]{60,80}$/), weight: 1 },
  { arbitrary: fc.string({ unit: "binary-ascii", maxLength: 6 }), weight: 1 },
);
const asciiText = fc.array(asciiPiece, { maxLength: 30 }).map((pieces) => pieces.join(""));

/** Other scripts and the characters whose rules reach across their neighbours (marks, ZWJ, flags, Hebrew quotes). */
const otherPiece = fc.oneof(
  fc.constantFrom("café", "Élan", "naïve", "東京タワー", "カタカナ", "ภาษาไทย", "Москва", "שָׁלוֹם", 'צה"ל', "א'", "٣٫١٤", "１２３"),
  fc.constantFrom("\u0301", "\u200d", "\u00ad", "\u200b", "\u00a0", "\u3000", "\u2028", "\u0085", "👍", "👩\u200d💻", "🇫🇷🇩🇪", "🇫", "\ufe0f", "’", "․"),
  fc.string({ unit: "grapheme", maxLength: 4 }),
  fc.string({ unit: "binary", maxLength: 3 }),
);
const mixedText = fc.array(fc.oneof({ arbitrary: asciiPiece, weight: 3 }, { arbitrary: otherPiece, weight: 1 }), { maxLength: 30 }).map((pieces) => pieces.join(""));

describe("tokenize", () => {
  it("cuts ASCII as the segmenter does, on hand-picked edge cases", () => {
    const cases: [string, string[]][] = [
      ["3.14", ["3.14"]], ["can't", ["can't"]], ["a.b.c", ["a.b.c"]], ["e.g.", ["e.g"]], ["1,000", ["1,000"]],
      ["foo_bar", ["foo_bar"]], ["__", ["__"]], ["_", []], ["_._", []], ["a:b", ["a:b"]], ["1:2", ["1", "2"]],
      ["x'", ["x"]], ["'x", ["x"]], ["a;b", ["a", "b"]], ["1;2", ["1;2"]], ["a.1", ["a", "1"]], ["1'2", ["1'2"]],
      ["a..b", ["a", "b"]], ['a"b', ["a", "b"]], ["", []], ["   ", []], ["Hello, World!", ["hello", "world"]],
      ["http://Example.com/a_b?x=1", ["http", "example.com", "a_b", "x", "1"]], ["John.Doe@example.com", ["john.doe", "example.com"]],
      ["line\r\nbreak\ttab", ["line", "break", "tab"]], [`${"A".repeat(70)} b`, ["a".repeat(maxWordLength), "b"]],
    ];
    for (const [text, words] of cases) {
      expect(tokenize(text).map((t) => t.word), JSON.stringify(text)).toEqual(words);
      expectSameWords(text);
    }
  });

  it("cuts every short string of ASCII's word classes as the segmenter does", () => {
    const alphabet = ["a", "Z", "7", ":", ".", "'", ",", ";", "_", " ", "-", "\n", '"'];
    const strings = (n: number): string[] => (n === 0 ? [""] : strings(n - 1).flatMap((s) => alphabet.map((c) => s + c)));
    for (const text of strings(4)) expect(asciiSegments(text), JSON.stringify(text)).toEqual(segmenterSegments(text));
  });

  it("cuts random ASCII text as the segmenter does", () => {
    fc.assert(fc.property(asciiText, (text) => expectSameWords(text)), { numRuns: 3000 });
  });

  it("cuts text mixing ASCII and other scripts as the segmenter does over the whole text", () => {
    expectSameWords("Réunion  at 10:30 with 東京 team 👍 — café\u0301 ok");
    expectSameWords(" \u0301x \u200d👍 a  \u200d👍 🇫🇷 🇩🇪x 'שלום' a.b.é 1.٣");
    expectSameWords("Привет, мы в 12 часов?東京 and then a long stretch of plain English words.é x.café 3.١ done");
    fc.assert(fc.property(mixedText, (text) => expectSameWords(text)), { numRuns: 3000 });
  });
});
