import { describe, expect, it } from "vitest";
import { parseInput } from "./slash-commands.ts";

describe("parseInput", () => {
  it("reads the commands, with or without @ before usernames", () => {
    expect(parseInput("/new @bob")).toEqual({ kind: "command", command: { kind: "new", username: "bob" } });
    expect(parseInput("/group launch @a b  @c")).toEqual({ kind: "command", command: { kind: "group", name: "launch", usernames: ["a", "b", "c"] } });
    expect(parseInput(" /add @c")).toEqual({ kind: "command", command: { kind: "add", usernames: ["c"] } });
    expect(parseInput("/leave")).toEqual({ kind: "command", command: { kind: "leave" } });
    expect(parseInput("/HELP")).toEqual({ kind: "command", command: { kind: "help" } });
    expect(parseInput("/quit")).toEqual({ kind: "command", command: { kind: "quit" } });
  });

  it("says how to use a command typed wrong", () => {
    expect(parseInput("/new")).toEqual({ kind: "invalid", message: "usage: /new @username" });
    expect(parseInput("/group @a @b")).toEqual({ kind: "invalid", message: "usage: /group name @user1 @user2 …" });
    expect(parseInput("/add")).toEqual({ kind: "invalid", message: "usage: /add @user1 @user2 …" });
    expect(parseInput("/frobnicate")).toEqual({ kind: "invalid", message: "unknown command /frobnicate: try /help" });
  });

  it("sends everything else as typed, and // as a leading slash", () => {
    expect(parseInput("hello  there ")).toEqual({ kind: "message", text: "hello  there " });
    expect(parseInput("//shrug")).toEqual({ kind: "message", text: "/shrug" });
  });
});
