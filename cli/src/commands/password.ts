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
