import type { AvailabilityName } from "@chat/client";

/** A slash command typed on the input line. */
export type SlashCommand =
  | { kind: "new"; username: string }
  | { kind: "group"; name: string; usernames: string[] }
  | { kind: "add"; usernames: string[] }
  | { kind: "leave" }
  /** Muted for `forMs`, or until unmuted. */
  | { kind: "mute"; muted: boolean; forMs?: number }
  | { kind: "seen" }
  | { kind: "find"; query: string }
  /** `/search words from:@bob in:#team …`: the query as typed (see search.proto). */
  | { kind: "search"; query: string }
  | { kind: "compact" }
  /** `seq` names the message (#12); without it, the picked one or a default (see the controller). */
  | { kind: "reply"; seq?: bigint; text: string }
  | { kind: "react"; seq?: bigint; emoji: string }
  | { kind: "edit"; seq?: bigint; text: string }
  | { kind: "delete"; seq?: bigint }
  | { kind: "status"; availability?: AvailabilityName; text?: string }
  | { kind: "file"; path: string; caption: string }
  | { kind: "help" }
  | { kind: "quit" };

/** What a line of input is: a message to send, a command, or a command typed wrong. */
export type InputLine =
  | { kind: "message"; text: string }
  | { kind: "command"; command: SlashCommand }
  | { kind: "invalid"; message: string };

const usage: Record<string, string> = {
  new: "usage: /new @username",
  group: "usage: /group name @user1 @user2 …",
  add: "usage: /add @user1 @user2 …",
  find: "usage: /find name (the start of a username or display name)",
  search: "usage: /search words (also \"a phrase\", pre*, from:@bob, in:#team, has:file, after:2026-01-31)",
  mute: "usage: /mute [30m | 8h | 1d] (until /unmute when no time is given)",
  reply: "usage: /reply [#12] text (answers the picked message, else the newest from others)",
  react: "usage: /react [#12] 👍 (the picked message, else the newest)",
  delete: "usage: /delete [#12] (the picked message, else your newest)",
  file: "usage: /file path [caption] (a path with spaces in quotes)",
};

const availabilities: readonly AvailabilityName[] = ["online", "away", "busy", "invisible"];

/** "#12" at the start of the arguments: the message they are about, and the rest of the line. */
function messageRef(rest: string): { seq?: bigint; rest: string } {
  const match = /^#([0-9]{1,19})(?:\s+|$)/.exec(rest);
  if (!match || BigInt(match[1]!) < 1n) return { rest };
  return { seq: BigInt(match[1]!), rest: rest.slice(match[0].length) };
}

/**
 * Reads a submitted line. A line starting with "/" is a command; "//" sends the rest with one
 * slash (to post a line that starts with a slash). Usernames may be written with or without "@".
 */
export function parseInput(line: string): InputLine {
  const text = line.trim();
  if (text.startsWith("//")) return { kind: "message", text: line.trim().slice(1) };
  if (!text.startsWith("/")) return { kind: "message", text: line };
  const [word = "", ...args] = text.slice(1).split(/\s+/);
  // What follows the command word as typed (spaces and lines kept): the text of /reply and /edit.
  const { seq, rest } = messageRef(line.trimStart().slice(1 + word.length).trimStart());
  const at = seq ? { seq } : {};
  const users = (list: string[]) => list.map((u) => u.replace(/^@/, "")).filter(Boolean);
  switch (word.toLowerCase()) {
    case "new":
    case "dm":
      return args.length === 1 ? { kind: "command", command: { kind: "new", username: users(args)[0]! } } : { kind: "invalid", message: usage.new! };
    case "group":
      if (args.length < 1 || args[0]!.startsWith("@")) return { kind: "invalid", message: usage.group! };
      return { kind: "command", command: { kind: "group", name: args[0]!, usernames: users(args.slice(1)) } };
    case "add":
      return args.length >= 1 ? { kind: "command", command: { kind: "add", usernames: users(args) } } : { kind: "invalid", message: usage.add! };
    case "leave":
      return { kind: "command", command: { kind: "leave" } };
    case "mute":
      return muteCommand(args);
    case "unmute":
      return args.length ? { kind: "invalid", message: "usage: /unmute" } : { kind: "command", command: { kind: "mute", muted: false } };
    case "search":
    case "s":
      return searchCommand(line.trimStart().slice(1 + word.length).trim());
    case "seen":
      return { kind: "command", command: { kind: "seen" } };
    case "find":
    case "who":
      return args.length >= 1 ? { kind: "command", command: { kind: "find", query: args.join(" ") } } : { kind: "invalid", message: usage.find! };
    case "compact":
      return { kind: "command", command: { kind: "compact" } };
    case "reply":
      return rest.trim() ? { kind: "command", command: { kind: "reply", ...at, text: rest } } : { kind: "invalid", message: usage.reply! };
    case "react":
      return rest.trim() && !/\s/.test(rest.trim()) ? { kind: "command", command: { kind: "react", ...at, emoji: rest.trim() } } : { kind: "invalid", message: usage.react! };
    case "edit":
      return { kind: "command", command: { kind: "edit", ...at, text: rest } };
    case "delete":
      return rest.trim() ? { kind: "invalid", message: usage.delete! } : { kind: "command", command: { kind: "delete", ...at } };
    case "file":
      return fileCommand(rest);
    case "status":
    case "away":
    case "busy":
      return statusCommand(word.toLowerCase() === "status" ? args : [word.toLowerCase(), ...args]);
    case "help":
    case "?":
      return { kind: "command", command: { kind: "help" } };
    case "quit":
    case "exit":
      return { kind: "command", command: { kind: "quit" } };
    default:
      return { kind: "invalid", message: `unknown command /${word}: try /help` };
  }
}

/** `/status [online|away|busy|invisible] [text…]`, `/status clear`; `/away`, `/busy` for short. */
function statusCommand(args: string[]): InputLine {
  const [first = "", ...more] = args;
  if (first.toLowerCase() === "clear" && more.length === 0) return { kind: "command", command: { kind: "status", text: "" } };
  const availability = availabilities.find((a) => a === first.toLowerCase());
  const text = (availability ? more : args).join(" ");
  return { kind: "command", command: { kind: "status", ...(availability ? { availability } : {}), ...(text ? { text } : {}) } };
}

/** `/search query`: the query as typed ("#12" included: it is no message reference here). */
function searchCommand(query: string): InputLine {
  return query ? { kind: "command", command: { kind: "search", query } } : { kind: "invalid", message: usage.search! };
}

/** `/mute [30m|8h|1d]`: until unmuted, or for that long. */
function muteCommand(args: string[]): InputLine {
  if (args.length === 0) return { kind: "command", command: { kind: "mute", muted: true } };
  const match = args.length === 1 ? /^([1-9][0-9]{0,3})([mhd])$/.exec(args[0]!) : null;
  if (!match) return { kind: "invalid", message: usage.mute! };
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"];
  return { kind: "command", command: { kind: "mute", muted: true, forMs: Number(match[1]) * unit } };
}

/** `/file path [caption]`, the path in quotes when it has spaces. */
function fileCommand(rest: string): InputLine {
  const match = /^(?:"([^"]+)"|'([^']+)'|(\S+))\s*([\s\S]*)$/.exec(rest.trim());
  const path = match?.[1] ?? match?.[2] ?? match?.[3];
  return path ? { kind: "command", command: { kind: "file", path, caption: match![4] ?? "" } } : { kind: "invalid", message: usage.file! };
}
