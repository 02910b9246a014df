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

  it("reads the message commands, about #seq or the picked message, and statuses", () => {
    expect(parseInput("/reply #12 sure, at noon")).toEqual({ kind: "command", command: { kind: "reply", seq: 12n, text: "sure, at noon" } });
    expect(parseInput("/reply  see you\nthere")).toEqual({ kind: "command", command: { kind: "reply", text: "see you\nthere" } });
    expect(parseInput("/react 👍")).toEqual({ kind: "command", command: { kind: "react", emoji: "👍" } });
    expect(parseInput("/react #3 🎉")).toEqual({ kind: "command", command: { kind: "react", seq: 3n, emoji: "🎉" } });
    expect(parseInput("/edit #7 fixed text")).toEqual({ kind: "command", command: { kind: "edit", seq: 7n, text: "fixed text" } });
    expect(parseInput("/edit")).toEqual({ kind: "command", command: { kind: "edit", text: "" } });
    expect(parseInput("/delete #7")).toEqual({ kind: "command", command: { kind: "delete", seq: 7n } });
    expect(parseInput("/delete")).toEqual({ kind: "command", command: { kind: "delete" } });
    expect(parseInput("/status busy in a meeting")).toEqual({ kind: "command", command: { kind: "status", availability: "busy", text: "in a meeting" } });
    expect(parseInput("/status lunch")).toEqual({ kind: "command", command: { kind: "status", text: "lunch" } });
    expect(parseInput("/status clear")).toEqual({ kind: "command", command: { kind: "status", text: "" } });
    expect(parseInput("/status")).toEqual({ kind: "command", command: { kind: "status" } });
    expect(parseInput("/away")).toEqual({ kind: "command", command: { kind: "status", availability: "away" } });
    expect(parseInput('/file "my plan.pdf" the plan')).toEqual({ kind: "command", command: { kind: "file", path: "my plan.pdf", caption: "the plan" } });
    expect(parseInput("/file ~/a.png")).toEqual({ kind: "command", command: { kind: "file", path: "~/a.png", caption: "" } });
    expect(parseInput("/file")).toMatchObject({ kind: "invalid" });
    expect(parseInput("/reply")).toEqual({ kind: "invalid", message: "usage: /reply [#12] text (answers the picked message, else the newest from others)" });
    expect(parseInput("/react two words")).toMatchObject({ kind: "invalid" });
    expect(parseInput("/delete now")).toMatchObject({ kind: "invalid" });
  });

  it("reads /search as typed, and /mute with an optional duration", () => {
    expect(parseInput("/search deploy from:@bob #12")).toEqual({ kind: "command", command: { kind: "search", query: "deploy from:@bob #12" } });
    expect(parseInput("/s \"the plan\"")).toEqual({ kind: "command", command: { kind: "search", query: "\"the plan\"" } });
    expect(parseInput("/search  ")).toMatchObject({ kind: "invalid" });
    expect(parseInput("/mute")).toEqual({ kind: "command", command: { kind: "mute", muted: true } });
    expect(parseInput("/mute 8h")).toEqual({ kind: "command", command: { kind: "mute", muted: true, forMs: 8 * 3_600_000 } });
    expect(parseInput("/mute 0m")).toMatchObject({ kind: "invalid" });
    expect(parseInput("/mute forever")).toMatchObject({ kind: "invalid" });
    expect(parseInput("/unmute")).toEqual({ kind: "command", command: { kind: "mute", muted: false } });
  });
});
