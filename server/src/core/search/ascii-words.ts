/**
 * Word boundaries of ASCII text without Intl.Segmenter: the same words, at the same offsets, as ICU's
 * word rules (UAX #29 with ICU's root tailoring) give for text made only of ASCII, at a fraction of the
 * cost (the segmenter was the largest part of indexing a message: docs/benchmarks.md, issue 12).
 * tokenize.spec.ts checks it against the segmenter, exhaustively on short strings and by random
 * texts; a change of the segmenter's rules in a future ICU shows there first.
 *
 * ASCII's Word_Break classes, as ICU applies them (checked, not assumed: ':' is MidLetter, so "a:b" is one
 * word while "1:2" is two): letters (ALetter), digits (Numeric), '_' (ExtendNumLet), ':' (MidLetter),
 * '.' (MidNumLet) and "'" (Single_Quote, in MidNumLetQ), ',' and ';' (MidNum); every other character
 * (spaces, newlines, '"', which joins only Hebrew letters) is a boundary on both sides as far as
 * words go. Within ASCII the rules come down to: letters, digits and '_' join in any order (WB5, WB8–WB10,
 * WB13a/b); one ':', '.' or "'" joins two letters (WB6/WB7); one ',', ';', '.' or "'" joins two digits
 * (WB11/WB12). ICU calls every such run word-like but a lone '_'.
 */

const other = 0;
const letter = 1;
const digit = 2;
const underscore = 3;
/** ':' joins letters only. */
const midLetter = 4;
/** '.' and "'" join letters or digits. */
const midNumLet = 5;
/** ',' and ';' join digits only. */
const midNum = 6;

/** The class of each ASCII code unit. */
const classes = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) classes[c] = digit;
for (let c = 0x41; c <= 0x5a; c++) classes[c] = letter;
for (let c = 0x61; c <= 0x7a; c++) classes[c] = letter;
classes[0x5f] = underscore;
classes[0x3a] = midLetter;
classes[0x2e] = midNumLet;
classes[0x27] = midNumLet;
classes[0x2c] = midNum;
classes[0x3b] = midNum;

/**
 * Calls `found` with the start and end (UTF-16 offsets) of each word-like segment of `text[from, to)`,
 * in order, as Intl.Segmenter would give them for that slice alone. Every code unit of the slice must be
 * ASCII (below 0x80): the caller checks.
 */
export function eachAsciiWord(text: string, from: number, to: number, found: (start: number, end: number) => void): void {
  let i = from;
  while (i < to) {
    const first = classes[text.charCodeAt(i)]!;
    if (first === other || first > underscore) {
      i++;
      continue;
    }
    const start = i;
    let last = first;
    i++;
    while (i < to) {
      const next = classes[text.charCodeAt(i)]!;
      if (next !== other && next <= underscore) {
        last = next;
        i++;
        continue;
      }
      // A middle mark joins only when the same kind follows it (the segment's own end is the text's end).
      const after = i + 1 < to ? classes[text.charCodeAt(i + 1)]! : other;
      if (last === letter && after === letter && (next === midLetter || next === midNumLet)) {
        i += 2;
        continue;
      }
      if (last === digit && after === digit && (next === midNum || next === midNumLet)) {
        i += 2;
        continue;
      }
      break;
    }
    if (i - start > 1 || first !== underscore) found(start, i);
  }
}
