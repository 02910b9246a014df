import stringWidth from "string-width";

/**
 * Text measured in terminal cells, the way Ink (and so the screen) measures it: an emoji or a CJK
 * character takes two cells, a combining accent none. Counting code points instead made a line with
 * an emoji too wide for its row, and the row's end was cut off.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The cells `text` takes on one row. */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

/** One row of a wrapped text: the UTF-16 offsets of its part of the text. */
export interface RowSpan {
  start: number;
  end: number;
}

/**
 * Breaks `text` (one line, no "\n") into rows of at most `width` cells, at word boundaries where a
 * word fits, never inside a grapheme; every character lands in exactly one row.
 */
export function wrapSpans(text: string, width: number): RowSpan[] {
  const room = Math.max(2, width);
  const rows: RowSpan[] = [];
  let start = 0;
  let used = 0;
  let lastSpace = -1; // offset just after the last space in the current row
  for (const { segment, index } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > room && index > start) {
      // Break after the last space when the word carried down is short, else mid-word (a URL).
      const cut = lastSpace > start && index - lastSpace < room / 3 ? lastSpace : index;
      rows.push({ start, end: cut });
      used = cellWidth(text.slice(cut, index));
      start = cut;
      lastSpace = -1;
    }
    used += w;
    if (segment === " ") lastSpace = index + 1;
  }
  rows.push({ start, end: text.length });
  return rows;
}

/** `text` wrapped to rows of at most `width` cells. */
export function wrapCells(text: string, width: number): string[] {
  return wrapSpans(text, width).map(({ start, end }) => text.slice(start, end));
}

/** `text` cut to `width` cells, with "…" when something was cut. */
export function clipCells(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  let out = "";
  for (const { segment } of graphemes.segment(text)) {
    if (cellWidth(out + segment) > width - 1) break;
    out += segment;
  }
  return `${out}…`;
}

/** `text` padded with spaces to `width` cells. */
export function padCells(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - cellWidth(text)));
}
