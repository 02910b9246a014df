import { invalidArgument } from "../errors.ts";
import { isUsername } from "../validate.ts";
import { tokenize } from "./tokenize.ts";

/** The limits of a search query (search.proto). */
export const queryLimits = {
  /** Characters of a query. */
  maxLength: 256,
  /** Words of a query: its words, the words of its phrases, and its prefixes. */
  maxWords: 16,
  /** Characters a prefix needs before its "*". */
  minPrefixLength: 2,
};

/** A query cut into what the store searches for and what the core checks on the text. */
export interface ParsedQuery {
  /** Folded words every hit has (the words of phrases too), each once. */
  words: string[];
  /** Folded prefixes, each starting a word of every hit. */
  prefixes: string[];
  /** Phrases of two or more folded words, each of which must occur in a hit's text word after word. */
  phrases: string[][];
  /** from:@username: lower-case usernames, one of whom sent each hit. */
  from: string[];
  /** in:#name: lower-case group names; with `inDirect`, the conversations searched (any of them). */
  inGroups: string[];
  /** in:@username: lower-case usernames whose direct conversation with the caller is searched. */
  inDirect: string[];
  /** has:file or has:image (image when both are given, since an image is a file). */
  has: "file" | "image" | undefined;
  /** Sent at or after this time (after:, on:). */
  sentFrom: Date | undefined;
  /** Sent before this time (before:, on:). */
  sentUntil: Date | undefined;
}

const filterPattern = /^([a-z]+):(.*)$/is;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayMs = 86_400_000;

/**
 * Parses a query (the syntax of search.proto): words, "quoted phrases", prefixes ending in "*", and
 * the filters from:, in:, has:, before:, after:, on:. Every problem is an InvalidArgument that says
 * what to change. Words are cut and folded by the tokenizer the index uses, so a query word with
 * punctuation or CJK text in it becomes the words the index holds.
 */
export function parseQuery(query: string): ParsedQuery {
  const length = [...query].length;
  if (query.trim() === "") throw invalidArgument("query is empty: give words or filters");
  if (length > queryLimits.maxLength) throw invalidArgument(`query is ${length} characters; at most ${queryLimits.maxLength}`);
  const parsed: ParsedQuery = {
    words: [], prefixes: [], phrases: [], from: [], inGroups: [], inDirect: [], has: undefined, sentFrom: undefined, sentUntil: undefined,
  };
  let wordCount = 0;
  const addWords = (words: string[]) => {
    wordCount += words.length;
    for (const w of words) if (!parsed.words.includes(w)) parsed.words.push(w);
  };
  for (const piece of pieces(query)) {
    if (piece.quoted) {
      const words = tokenize(piece.text).map((t) => t.word);
      addWords(words);
      if (words.length > 1) parsed.phrases.push(words);
      continue;
    }
    const filter = filterPattern.exec(piece.text);
    if (filter) {
      applyFilter(parsed, filter[1]!.toLowerCase(), filter[2]!);
      continue;
    }
    if (piece.text.endsWith("*")) {
      const words = tokenize(piece.text.slice(0, -1)).map((t) => t.word);
      const prefix = words.pop();
      if (prefix === undefined || [...prefix].length < queryLimits.minPrefixLength || /\*$/.test(piece.text.slice(0, -1))) {
        throw invalidArgument(`"${piece.text}": a "*" must follow at least ${queryLimits.minPrefixLength} letters of a word`);
      }
      addWords(words);
      wordCount++;
      if (!parsed.prefixes.includes(prefix)) parsed.prefixes.push(prefix);
      continue;
    }
    addWords(tokenize(piece.text).map((t) => t.word));
  }
  if (wordCount > queryLimits.maxWords) throw invalidArgument(`query has ${wordCount} words; at most ${queryLimits.maxWords}`);
  if (wordCount === 0 && !hasFilter(parsed)) throw invalidArgument("query has no words (letters or digits) and no filter");
  return parsed;
}

/** A piece of a query: a quoted phrase, or a run of characters between spaces. */
interface Piece {
  text: string;
  quoted: boolean;
}

function* pieces(query: string): Generator<Piece> {
  let i = 0;
  while (i < query.length) {
    if (/\s/.test(query[i]!)) {
      i++;
    } else if (query[i] === '"') {
      const end = query.indexOf('"', i + 1);
      if (end < 0) throw invalidArgument("query has a \" with no closing \"");
      yield { text: query.slice(i + 1, end), quoted: true };
      i = end + 1;
    } else {
      let text = /^[^\s"]+/.exec(query.slice(i))![0];
      i += text.length;
      // A filter's value may be quoted, for a group name with spaces: in:#"Team Rocket".
      if (query[i] === '"' && /^[a-z]+:[#@]?$/i.test(text)) {
        const end = query.indexOf('"', i + 1);
        if (end < 0) throw invalidArgument("query has a \" with no closing \"");
        text += query.slice(i + 1, end);
        i = end + 1;
      }
      yield { text, quoted: false };
    }
  }
}

function applyFilter(parsed: ParsedQuery, name: string, value: string): void {
  switch (name) {
    case "from":
      parsed.from.push(username(`from:${value}`, value));
      return;
    case "in":
      if (value.startsWith("#") && value.length > 1) parsed.inGroups.push(value.slice(1).toLowerCase());
      else if (value.startsWith("@")) parsed.inDirect.push(username(`in:${value}`, value));
      else throw invalidArgument(`in:${value}: give in:#groupname or in:@username`);
      return;
    case "has":
      if (value !== "file" && value !== "image") throw invalidArgument(`has:${value}: give has:file or has:image`);
      parsed.has = parsed.has === "image" || value === "image" ? "image" : "file";
      return;
    case "before":
      parsed.sentUntil = earliest(parsed.sentUntil, day(name, value));
      return;
    case "after":
      parsed.sentFrom = latest(parsed.sentFrom, new Date(day(name, value).getTime() + dayMs));
      return;
    case "on": {
      const start = day(name, value);
      parsed.sentFrom = latest(parsed.sentFrom, start);
      parsed.sentUntil = earliest(parsed.sentUntil, new Date(start.getTime() + dayMs));
      return;
    }
    default:
      throw invalidArgument(`unknown filter "${name}:"; filters are from:, in:, has:, before:, after: and on: (quote a word with a ":" in it)`);
  }
}

function username(filter: string, value: string): string {
  const name = value.slice(1).toLowerCase();
  if (!value.startsWith("@") || !isUsername(name)) {
    throw invalidArgument(`${filter}: give "@" and a username (3 to 32 characters of a-z, 0-9, "_", "." or "-")`);
  }
  return name;
}

/** Midnight UTC of a YYYY-MM-DD day. */
function day(filter: string, value: string): Date {
  const m = datePattern.exec(value);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  // Date.UTC rolls 2026-02-30 over into March: a real day reads back as given.
  if (!date || date.toISOString().slice(0, 10) !== value) throw invalidArgument(`${filter}:${value}: give a date as YYYY-MM-DD (UTC)`);
  return date;
}

const earliest = (a: Date | undefined, b: Date) => (a && a < b ? a : b);
const latest = (a: Date | undefined, b: Date) => (a && a > b ? a : b);

function hasFilter(p: ParsedQuery): boolean {
  return p.from.length + p.inGroups.length + p.inDirect.length > 0 || p.has !== undefined || p.sentFrom !== undefined || p.sentUntil !== undefined;
}
