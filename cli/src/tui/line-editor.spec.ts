import { describe, expect, it } from "vitest";
import { type EditOp, edit, InputHistory, type LineEditor } from "./line-editor.ts";

const apply = (line: LineEditor, ...ops: EditOp[]) => ops.reduce(edit, line);
const at = (text: string, cursor = text.length): LineEditor => ({ text, cursor });

describe("the input line's editing keys", () => {
  it("moves by grapheme and inserts at the cursor", () => {
    expect(apply(at("helo"), { kind: "left" }, { kind: "insert", text: "l" })).toEqual(at("hello", 4));
    // An emoji with a skin tone is one step and one Backspace.
    expect(apply(at("a👍🏽b"), { kind: "left" }, { kind: "left" })).toEqual(at("a👍🏽b", 1));
    expect(apply(at("a👍🏽b", 5), { kind: "backspace" })).toEqual(at("ab", 1));
    expect(apply(at("ab", 0), { kind: "right" }, { kind: "delete" })).toEqual(at("a", 1));
  });

  it("has Ctrl-A/E, Ctrl-W, Ctrl-U, Ctrl-K and word moves", () => {
    expect(apply(at("say hello world"), { kind: "home" })).toEqual(at("say hello world", 0));
    expect(apply(at("say hello world", 0), { kind: "end" }).cursor).toBe(15);
    expect(apply(at("say hello world  "), { kind: "deleteWord" })).toEqual(at("say hello ", 10));
    expect(apply(at("say hello world", 4), { kind: "killStart" })).toEqual(at("hello world", 0));
    expect(apply(at("say hello world", 4), { kind: "killEnd" })).toEqual(at("say ", 4));
    expect(apply(at("say hello world"), { kind: "wordLeft" }, { kind: "wordLeft" }).cursor).toBe(4);
    expect(apply(at("say hello world", 0), { kind: "wordRight" }).cursor).toBe(3);
  });

  it("keeps Home and End on the cursor's line of a multi-line message", () => {
    expect(apply(at("first\nsecond", 8), { kind: "home" }).cursor).toBe(6);
    expect(apply(at("first\nsecond", 2), { kind: "end" }).cursor).toBe(5);
  });
});

describe("the input history", () => {
  it("walks back through sent lines with ↑ and forward to the draft with ↓", () => {
    const h = new InputHistory();
    h.add("one");
    h.add("two");
    h.add("two");
    expect(h.up("draft")).toBe("two");
    expect(h.up("two")).toBe("one");
    expect(h.up("one")).toBeUndefined();
    expect(h.down()).toBe("two");
    expect(h.down()).toBe("draft");
    expect(h.down()).toBeUndefined();
  });
});
