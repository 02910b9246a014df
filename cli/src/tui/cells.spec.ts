import { describe, expect, it } from "vitest";
import { cellWidth, clipCells, wrapCells } from "./cells.ts";

describe("text in terminal cells", () => {
  it("wraps a line with emoji by cells, losing no character", () => {
    // The bug: counting code points made the first row two cells too wide; Ink cut its end ("ong").
    const text = "🎉🎉 see …/some/very/long/path/to/a/file/that/goes/on";
    const rows = wrapCells(text, 20);
    expect(rows.join("")).toBe(text);
    for (const row of rows) expect(cellWidth(row)).toBeLessThanOrEqual(20);
    expect(cellWidth("🎉")).toBe(2);
  });

  it("breaks at a space when the word carried down is short, never inside a grapheme", () => {
    expect(wrapCells("hello there my friend", 12)).toEqual(["hello there ", "my friend"]);
    expect(wrapCells("👍🏽👍🏽👍🏽", 4)).toEqual(["👍🏽👍🏽", "👍🏽"]);
  });

  it("clips to a width with an ellipsis", () => {
    expect(clipCells("日本語のグループ", 7)).toBe("日本語…");
    expect(clipCells("short", 7)).toBe("short");
  });
});
