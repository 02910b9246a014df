import { eachAsciiWord } from "./ascii-words.ts";

/**
 * The one tokenizer of message search. Both stores index what it returns and the query is cut by it too,
 * so that the embedded and the cluster store find exactly the same messages.
 */

/** Longest word kept in the index: longer ones (hashes, URLs) are cut, so one message cannot make huge keys. */
export const maxWordLength = 64;

const segmenter = new Intl.Segmenter("und", { granularity: "word" });
const combiningMarks = /\p{M}+/gu;
const nonAscii = /[^\0-\x7f]/g;
const space = 0x20;
/** ASCII long enough to be worth a stretch of its own between two calls of the segmenter (measured). */
const longAscii = /[\0-\x7f]{24,}/g;

/** Lowercases and strips accents ("Élan" → "elan"), the folding every indexed and queried word gets. */
export function foldWord(word: string): string {
  return word.normalize("NFKD").replace(combiningMarks, "").toLowerCase().normalize("NFC");
}

/** One word of a text: folded, cut to {@link maxWordLength} code points, at `text[start, end)`. */
export type WordFound = (word: string, start: number, end: number) => void;

/**
 * Calls `found` with each word of `text`, in order. Word boundaries are Unicode's (UAX #29, via
 * Intl.Segmenter), which also cuts CJK text into words; but ASCII, by far the commonest text, is cut
 * by ascii-words.ts, which gives the same words several times faster. A text is cut into runs at ASCII
 * spaces, where the rules always break on both sides (a space joins only the spaces and the
 * Extend/Format/ZWJ marks after it, none of which make words): a run of ASCII goes to ascii-words.ts,
 * every other run, with the spaces before it as its left context, to the segmenter, so that the words
 * are the same as the segmenter's over the whole text (tokenize.spec.ts checks both ways).
 */
function eachWord(text: string, found: WordFound): void {
  let pos = 0;
  for (;;) {
    nonAscii.lastIndex = pos;
    const first = nonAscii.exec(text)?.index;
    if (first === undefined) break;
    // The run at `first` starts after the space before it (pos is 0 or a space) ...
    const start = text.lastIndexOf(" ", first) + 1;
    asciiWords(text, pos, start, found);
    // ... and goes on, over any short stretches of ASCII, to the first long one: a call of the segmenter
    // costs about as much as segmenting 25 more characters, so a text in another script with numbers or
    // names in Latin letters is one call, not one per word.
    longAscii.lastIndex = first;
    const longStretch = longAscii.exec(text)?.index;
    const end = longStretch === undefined ? text.length : runEnd(text, longStretch);
    let context = start;
    while (context > pos && text.charCodeAt(context - 1) === space) context--;
    segmentedWords(text, context, end, found);
    pos = end;
  }
  asciiWords(text, pos, text.length, found);
}

/** The end of the run holding `at`: the next space, or the text's end. */
function runEnd(text: string, at: number): number {
  const end = text.indexOf(" ", at);
  return end < 0 ? text.length : end;
}

/** The words of an ASCII slice: folding ASCII is lowercasing, and its code points are its code units. */
function asciiWords(text: string, from: number, to: number, found: WordFound): void {
  eachAsciiWord(text, from, to, (start, end) => found(text.slice(start, Math.min(end, start + maxWordLength)).toLowerCase(), start, end));
}

/** The words of a slice by Intl.Segmenter. */
function segmentedWords(text: string, from: number, to: number, found: WordFound): void {
  for (const s of segmenter.segment(from === 0 && to === text.length ? text : text.slice(from, to))) {
    if (!s.isWordLike) continue;
    const word = [...foldWord(s.segment)].slice(0, maxWordLength).join("");
    if (word) found(word, from + s.index, from + s.index + s.segment.length);
  }
}

/**
 * The words of a text, folded, in order (repeats kept, so that phrases can be checked), each with its
 * place in the original text (UTF-16 offsets) for snippets.
 */
export function tokenize(text: string): { word: string; start: number; end: number }[] {
  const words: { word: string; start: number; end: number }[] = [];
  eachWord(text, (word, start, end) => words.push({ word, start, end }));
  return words;
}

/** The distinct folded words of a text: what an index stores for one message. */
export function indexTerms(text: string): string[] {
  const words = new Set<string>();
  eachWord(text, (word) => words.add(word));
  return [...words];
}

/**
 * {@link tokenize} by Intl.Segmenter alone, over the whole text: what the faster paths above must
 * equal (the tests compare them), kept beside them so that the reference is the code that was indexing.
 */
export function segmenterTokenize(text: string): { word: string; start: number; end: number }[] {
  const words: { word: string; start: number; end: number }[] = [];
  segmentedWords(text, 0, text.length, (word, start, end) => words.push({ word, start, end }));
  return words;
}
