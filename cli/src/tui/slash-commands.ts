/** A slash command typed on the input line. */
export type SlashCommand =
  | { kind: "new"; username: string }
  | { kind: "group"; name: string; usernames: string[] }
  | { kind: "add"; usernames: string[] }
  | { kind: "leave" }
  | { kind: "mute"; muted: boolean }
  | { kind: "seen" }
  | { kind: "find"; query: string }
  | { kind: "compact" }
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
};

/**
 * Reads a submitted line. A line starting with "/" is a command; "//" sends the rest with one
 * slash (to post a line that starts with a slash). Usernames may be written with or without "@".
 */
export function parseInput(line: string): InputLine {
  const text = line.trim();
  if (text.startsWith("//")) return { kind: "message", text: line.trim().slice(1) };
  if (!text.startsWith("/")) return { kind: "message", text: line };
  const [word = "", ...args] = text.slice(1).split(/\s+/);
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
    case "unmute":
      return { kind: "command", command: { kind: "mute", muted: word.toLowerCase() === "mute" } };
    case "seen":
      return { kind: "command", command: { kind: "seen" } };
    case "find":
    case "who":
      return args.length >= 1 ? { kind: "command", command: { kind: "find", query: args.join(" ") } } : { kind: "invalid", message: usage.find! };
    case "compact":
      return { kind: "command", command: { kind: "compact" } };
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
