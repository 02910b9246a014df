/**
 * The one tokenizer of message search. Both stores index what it returns and the query is cut by it too,
 * so that the embedded and the cluster store find exactly the same messages.
 */

/** Longest word kept in the index: longer ones (hashes, URLs) are cut, so one message cannot make huge keys. */
export const maxWordLength = 64;

const segmenter = new Intl.Segmenter("und", { granularity: "word" });
const combiningMarks = /\p{M}+/gu;

/** Lowercases and strips accents ("Élan" → "elan"), the folding every indexed and queried word gets. */
export function foldWord(word: string): string {
  return word.normalize("NFKD").replace(combiningMarks, "").toLowerCase().normalize("NFC");
}

/**
 * The words of a text, folded, in order (repeats kept, so that phrases can be checked), each with its
 * place in the original text (UTF-16 offsets) for snippets. Word boundaries are Unicode's (UAX #29, via
 * Intl.Segmenter), which also cuts CJK text into words.
 */
export function tokenize(text: string): { word: string; start: number; end: number }[] {
  const words: { word: string; start: number; end: number }[] = [];
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike) continue;
    const word = [...foldWord(s.segment)].slice(0, maxWordLength).join("");
    if (word) words.push({ word, start: s.index, end: s.index + s.segment.length });
  }
  return words;
}

/** The distinct folded words of a text: what an index stores for one message. */
export function indexTerms(text: string): string[] {
  return [...new Set(tokenize(text).map((t) => t.word))];
}
