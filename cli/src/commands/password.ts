import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";

/** Where a password may come from, most explicit first. */
export interface PasswordSource {
  /** Read it from the first line of standard input (scripts, CI). */
  passwordStdin?: boolean;
}

/**
 * The password for register/login: `--password-stdin`, else `$CHAT_PASSWORD`, else a prompt on the
 * terminal that does not echo. Never a command-line argument: those show up in `ps` and in history.
 */
export async function readPassword(source: PasswordSource, prompt = "password: "): Promise<string> {
  if (source.passwordStdin) return (await firstLine(process.stdin)).trimEnd();
  if (process.env.CHAT_PASSWORD) return process.env.CHAT_PASSWORD;
  if (!process.stdin.isTTY) throw new Error("no password: use --password-stdin or CHAT_PASSWORD when not on a terminal");
  return ask(prompt);
}

/**
 * The current and the new password for `chat passwd`: with `--password-stdin` the first two lines of
 * stdin (current, then new), else `$CHAT_PASSWORD` and `$CHAT_NEW_PASSWORD`, else prompts (the new
 * one twice, which must match).
 */
export async function readPasswordChange(source: PasswordSource): Promise<{ currentPassword: string; newPassword: string }> {
  if (source.passwordStdin) {
    const [currentPassword = "", newPassword = ""] = (await readAll(process.stdin)).split("\n").map((line) => line.trimEnd());
    return { currentPassword, newPassword };
  }
  const { CHAT_PASSWORD: current, CHAT_NEW_PASSWORD: next } = process.env;
  if (current && next) return { currentPassword: current, newPassword: next };
  if (!process.stdin.isTTY) {
    throw new Error("no passwords: use --password-stdin (current, then new, one per line) or CHAT_PASSWORD and CHAT_NEW_PASSWORD when not on a terminal");
  }
  const currentPassword = await ask("current password: ");
  const newPassword = await ask("new password: ");
  if ((await ask("new password again: ")) !== newPassword) throw new Error("the two new passwords differ; nothing changed");
  return { currentPassword, newPassword };
}

/** Asks on the terminal without echoing what is typed. */
async function ask(prompt: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(prompt);
  try {
    return await rl.question("");
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/** Everything on standard input (for `chat send` without a text argument). */
export async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const text = await readAll(input);
  return text.split("\n")[0] ?? "";
}
