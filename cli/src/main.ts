#!/usr/bin/env node
import { ConnectError } from "@connectrpc/connect";
import { Command, InvalidArgumentError } from "commander";
import { changePassword, login, logout, register, whoami } from "./commands/auth.ts";
import { listConversations, searchUsers } from "./commands/conversations.ts";
import { download } from "./commands/file-download.ts";
import { deleteMessage, editMessage, parseSeq, react } from "./commands/message-actions.ts";
import { history, send, tail } from "./commands/messages.ts";
import { mute, push } from "./commands/notifications.ts";
import { search } from "./commands/search.ts";
import { status } from "./commands/status.ts";
import { exitWithError } from "./errors.ts";

// The `chat` command: scriptable subcommands, or the full-screen client when given none.
const program = new Command("chat")
  .description("Terminal chat client. Without a command, opens the interactive client (log in first).")
  .option("--server <url>", "server URL, http:// or https:// (default: $CHAT_SERVER, the config file, or http://127.0.0.1:8080)")
  .option("--ca-file <path>", "CA certificate (PEM) to trust for an https:// server with a self-signed or private certificate (default: $CHAT_CA_FILE, or the one given at login)")
  .configureOutput({ outputError: (text, write) => write(`chat: ${text.replace(/^error: /, "")}`) })
  .action(async () => {
    const { runTui } = await import("./tui/run.ts");
    await runTui(program.opts());
  });

const globals = <T extends object>(options: T) => ({ ...program.opts(), ...options });
const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError("must be an integer from 1 to 500");
  return n;
};

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 300) throw new InvalidArgumentError("must be a whole number of seconds from 0 to 300");
  return n;
};

program.command("register <username>").description("create an account and log this terminal in")
  .option("--display-name <name>", "the name others see")
  .option("--password-stdin", "read the password from the first line of stdin (else $CHAT_PASSWORD, else a prompt)")
  .action((username: string, options) => register(username, globals(options)));

program.command("login <username>").description("log this terminal in")
  .option("--password-stdin", "read the password from the first line of stdin (else $CHAT_PASSWORD, else a prompt)")
  .action((username: string, options) => login(username, globals(options)));

program.command("logout").description("revoke this terminal's token and forget it")
  .action(() => logout(globals({})));

program.command("passwd").description("change your password; every other device of the account is logged out")
  .option("--password-stdin", "read the current and the new password from the first two lines of stdin (else $CHAT_PASSWORD and $CHAT_NEW_PASSWORD, else prompts)")
  .action((options) => changePassword(globals(options)));

program.command("whoami").description("show the logged-in account and device")
  .option("--json", "print JSON")
  .action((options) => whoami(globals(options)));

program.command("ls").description("list your conversations, most recently active first")
  .option("--json", "one JSON conversation per line")
  .action((options) => listConversations(globals(options)));

program.command("users <prefix>").description("find people by the start of their username or display name")
  .option("--limit <n>", "how many (1-50)", positive, 20)
  .option("--json", "one JSON user per line")
  .action((query: string, options) => searchUsers(query, globals(options)));

const seqOption = (value: string) => {
  try {
    return parseSeq(value);
  } catch (err) {
    throw new InvalidArgumentError(ConnectError.from(err).rawMessage);
  }
};
const collect = (value: string, list: string[] = []) => [...list, value];
const waitOption = ["--wait <seconds>", "how long to keep retrying while the server is unavailable or asks to wait (0-300)", seconds, 15] as const;

program.command("send <conversation> [text]").description("send a message (text from stdin when not given, unless files are); conversation is an id, @user or a group name")
  .option("--reply-to <seq>", "answer the message with this seq (see `chat history`)", seqOption)
  .option("--file <path>", "attach a file (repeat for several, up to 10); the text is their caption", collect)
  .option("--json", "print the ACK as JSON")
  .option(...waitOption)
  .action((target: string, text: string | undefined, options) => send(target, text, globals(options)));

program.command("edit <conversation> <seq> [text]").description("change the text of one of your messages (text from stdin when not given)")
  .option("--json", "print the edited message as JSON")
  .option(...waitOption)
  .action((target: string, seq: string, text: string | undefined, options) => editMessage(target, seq, text, globals(options)));

program.command("delete <conversation> <seq>").description("delete a message for everyone (yours, or any as a group admin)")
  .option("--json", "print the tombstone as JSON")
  .option(...waitOption)
  .action((target: string, seq: string, options) => deleteMessage(target, seq, globals(options)));

program.command("react <conversation> <seq> <emoji>").description("add your reaction to a message (--remove takes it back)")
  .option("--remove", "remove your reaction instead")
  .option("--json", "print the message as JSON")
  .option(...waitOption)
  .action((target: string, seq: string, emoji: string, options) => react(target, seq, emoji, globals(options)));

program.command("download <conversation> <seq>").description("save the files of a message (resumes a cut-off download)")
  .option("--out <path>", "file to write (a folder for several files); default: the file's name here")
  .option("--json", "one JSON line per file saved")
  .option(...waitOption)
  .action((target: string, seq: string, options) => download(target, parseSeq(seq), globals(options)));

program.command("status [availability]").description("show or set your status: online, away, busy or invisible, and a custom text")
  .option("--text <text>", "a custom status text (up to 100 characters)")
  .option("--for <duration>", "the text clears by itself after this: 30m, 2h, 1d")
  .option("--clear", "clear the custom text")
  .option("--json", "print JSON")
  .action((availability: string | undefined, options) => status(availability, globals(options)));

program.command("history <conversation>").description("print the newest messages of a conversation (or those around one)")
  .option("--limit <n>", "how many (1-500)", positive, 20)
  .option("--around <seq>", "the messages around this one instead (a hit of `chat search`), about half before and half after", seqOption)
  .option("--json", "one JSON message per line")
  .action((target: string, options) => history(target, globals(options)));

program.command("search <query...>").description("find messages: words, \"a phrase\", pre*, from:@user, in:#group, in:@user, has:file, has:image, before:/after:/on:YYYY-MM-DD")
  .option("--in <conversation>", "search this conversation only (@user, a group name or an id)")
  .option("--limit <n>", "how many hits at most (1-500)", positive, 20)
  .option("--json", "one JSON hit per line")
  .action((words: string[], options) => search(words.join(" "), globals(options)));

program.command("mute <conversation>").description("no push notifications (except when someone names you), no bell, not in the unread count: on every device of yours")
  .option("--for <duration>", "unmute by itself after this: 30m, 8h, 1d")
  .option("--json", "print JSON")
  .action((target: string, options) => mute(target, true, globals(options)));

program.command("unmute <conversation>").description("end a mute")
  .option("--json", "print JSON")
  .action((target: string, options) => mute(target, false, globals(options)));

program.command("push [setting] [value]").description("show your push notification settings, or set one: `chat push previews on|off` (the message text in notifications)")
  .option("--json", "print JSON")
  .action((setting: string | undefined, value: string | undefined, options) => push(setting, value, globals(options)));

program.command("tail <conversation>").description("print new messages as they arrive, until Ctrl-C")
  .option("--json", "one JSON message per line")
  .action((target: string, options) => tail(target, globals(options)));

try {
  await program.parseAsync();
  // Commands are done: close the HTTP/2 connection without waiting for its idle timeout.
  if (program.args.length > 0) process.exit(0);
} catch (err) {
  exitWithError(err);
}
