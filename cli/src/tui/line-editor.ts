/**
 * The input line as a shell's readline edits it: a text and a cursor, and the editing keys as
 * pure functions (← → Home End, Ctrl-A/E/W/U/K, Alt-B/F, Backspace, Delete). The cursor is a
 * UTF-16 offset that only ever stops between graphemes, so an emoji is moved over and erased whole.
 */

/** The text being written and where the cursor is in it. */
export interface LineEditor {
  text: string;
  cursor: number;
}

/** What a key does to the line. */
export type EditOp =
  | { kind: "insert"; text: string }
  | { kind: "left" } | { kind: "right" } | { kind: "home" } | { kind: "end" }
  | { kind: "wordLeft" } | { kind: "wordRight" }
  | { kind: "backspace" } | { kind: "delete" }
  | { kind: "deleteWord" } | { kind: "killStart" } | { kind: "killEnd" }
  | { kind: "set"; text: string };

/** An empty line. */
export const emptyLine: LineEditor = { text: "", cursor: 0 };

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Offsets between graphemes: 0, …, text.length. */
function stops(text: string): number[] {
  return [...[...graphemes.segment(text)].map((s) => s.index), text.length];
}

function previousStop(text: string, at: number): number {
  return stops(text).filter((s) => s < at).at(-1) ?? 0;
}

function nextStop(text: string, at: number): number {
  return stops(text).find((s) => s > at) ?? text.length;
}

/** Start of the word before the cursor (spaces before it skipped), as Ctrl-W and Alt-B see it. */
function wordStart(text: string, at: number): number {
  let i = at;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  while (i > 0 && !/\s/.test(text[i - 1]!)) i--;
  return i;
}

function wordEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  while (i < text.length && !/\s/.test(text[i]!)) i++;
  return i;
}

/** Start and end of the line (of a multi-line text) the cursor is on. */
function lineBounds(text: string, at: number): [number, number] {
  const start = text.lastIndexOf("\n", at - 1) + 1;
  const end = text.indexOf("\n", at);
  return [start, end === -1 ? text.length : end];
}

/** Applies one editing key. */
export function edit(line: LineEditor, op: EditOp): LineEditor {
  const { text, cursor } = line;
  const cut = (from: number, to: number, at: number): LineEditor => ({ text: text.slice(0, from) + text.slice(to), cursor: at });
  switch (op.kind) {
    case "insert":
      return { text: text.slice(0, cursor) + op.text + text.slice(cursor), cursor: cursor + op.text.length };
    case "set":
      return { text: op.text, cursor: op.text.length };
    case "left":
      return { text, cursor: previousStop(text, cursor) };
    case "right":
      return { text, cursor: nextStop(text, cursor) };
    case "home":
      return { text, cursor: lineBounds(text, cursor)[0] };
    case "end":
      return { text, cursor: lineBounds(text, cursor)[1] };
    case "wordLeft":
      return { text, cursor: wordStart(text, cursor) };
    case "wordRight":
      return { text, cursor: wordEnd(text, cursor) };
    case "backspace": {
      const from = previousStop(text, cursor);
      return cut(from, cursor, from);
    }
    case "delete":
      return cut(cursor, nextStop(text, cursor), cursor);
    case "deleteWord": {
      const from = wordStart(text, cursor);
      return cut(from, cursor, from);
    }
    case "killStart": {
      const from = lineBounds(text, cursor)[0];
      return cut(from, cursor, from);
    }
    case "killEnd":
      return cut(cursor, lineBounds(text, cursor)[1], cursor);
  }
}

/** How many sent lines ↑ can bring back. */
const historySize = 100;

/**
 * What was sent before, for ↑ and ↓ like a shell's history: ↑ walks back from the newest, ↓ forward
 * and, past the newest, back to what was being written before ↑ was pressed.
 */
export class InputHistory {
  private readonly entries: string[] = [];
  /** Index into `entries` while browsing; entries.length while not. */
  private at = 0;
  private draft = "";

  /** Remembers a sent line (not twice in a row) and stops browsing. */
  add(text: string): void {
    if (text.trim() && this.entries.at(-1) !== text) this.entries.push(text);
    if (this.entries.length > historySize) this.entries.shift();
    this.at = this.entries.length;
  }

  /** The line before; undefined at the oldest. `current` is kept to come back to. */
  up(current: string): string | undefined {
    if (this.at === 0) return undefined;
    if (this.at === this.entries.length) this.draft = current;
    return this.entries[--this.at];
  }

  /** The line after, or the draft past the newest; undefined when not browsing. */
  down(): string | undefined {
    if (this.at >= this.entries.length) return undefined;
    this.at++;
    return this.at === this.entries.length ? this.draft : this.entries[this.at];
  }
}
