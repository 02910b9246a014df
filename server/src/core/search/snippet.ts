import { tokenize } from "./tokenize.ts";

/** A piece of a snippet (search.proto SnippetPart). */
export interface SnippetPiece {
  text: string;
  /** True for a word of the query. */
  highlighted: boolean;
}

/** What of a query a text is matched against: folded words, prefixes and phrases (see ParsedQuery). */
export interface TextQuery {
  words: readonly string[];
  prefixes: readonly string[];
  phrases: readonly (readonly string[])[];
}

/** Characters of a snippet (about: it is cut at word boundaries), and how many of them precede the first match. */
export const snippetLength = 200;
const leadLength = 60;
const ellipsis = "…";

type Token = ReturnType<typeof tokenize>[number];

/**
 * Whether a text has every phrase of the query word after word. The store finds a phrase's words in
 * any order (its index keeps no positions); this check on the current text makes it a phrase.
 */
export function hasPhrases(text: string, phrases: TextQuery["phrases"]): boolean {
  if (phrases.length === 0) return true;
  const words = tokenize(text).map((t) => t.word);
  return phrases.every((phrase) => words.some((_, i) => phrase.every((w, j) => words[i + j] === w)));
}

/**
 * The excerpt of a text shown with a hit: about {@link snippetLength} characters from shortly before
 * the first match, cut at word boundaries, "…" where it cuts the text, each word of the query its own
 * highlighted piece. Words are found with the index's tokenizer, so what is highlighted is what
 * matched, accents, case and CJK included. A text without a match (a filters-only search) shows its start.
 */
export function snippetOf(text: string, query: TextQuery): SnippetPiece[] {
  if (text === "") return [];
  const tokens = tokenize(text);
  const matches = (t: Token) => query.words.includes(t.word) || query.prefixes.some((p) => t.word.startsWith(p));
  const first = tokens.find(matches);
  const { start, end } = windowOf(text, tokens, first);
  const pieces: SnippetPiece[] = [];
  const plain = (from: number, to: number) => {
    if (to > from) pieces.push({ text: text.slice(from, to).replace(/\s+/g, " "), highlighted: false });
  };
  let at = start;
  for (const t of tokens) {
    if (t.start < start || t.end > end || !matches(t)) continue;
    plain(at, t.start);
    pieces.push({ text: text.slice(t.start, t.end), highlighted: true });
    at = t.end;
  }
  plain(at, end);
  if (start > 0) addEllipsis(pieces, "start");
  if (end < text.length) addEllipsis(pieces, "end");
  return pieces;
}

/** The span of the excerpt: the whole text when short, else from a word before the first match. */
function windowOf(text: string, tokens: readonly Token[], first: Token | undefined): { start: number; end: number } {
  if (text.length <= snippetLength) return { start: 0, end: text.length };
  let start = 0;
  if (first && first.start > leadLength) {
    start = tokens.find((t) => t.start >= first.start - leadLength)!.start;
  }
  const limit = start + snippetLength;
  // The end of the last word that fits; when that leaves half the room unused (a very long word
  // follows), a cut inside that word that splits no character.
  const last = tokens.filter((t) => t.start >= start && t.end <= limit).at(-1);
  if (last && last.end - start >= snippetLength / 2) return { start, end: last.end };
  return { start, end: /[\uD800-\uDBFF]/.test(text[limit - 1] ?? "") ? limit - 1 : limit };
}

function addEllipsis(pieces: SnippetPiece[], side: "start" | "end"): void {
  const edge = side === "start" ? pieces[0] : pieces.at(-1);
  if (edge && !edge.highlighted) {
    edge.text = side === "start" ? ellipsis + edge.text.trimStart() : edge.text.trimEnd() + ellipsis;
  } else if (side === "start") {
    pieces.unshift({ text: ellipsis, highlighted: false });
  } else {
    pieces.push({ text: ellipsis, highlighted: false });
  }
}
