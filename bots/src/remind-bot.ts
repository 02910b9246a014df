#!/usr/bin/env node
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { botArgs } from "./bot-args.ts";
import { Bot, fileCursorStore } from "./sdk/index.ts";

// The reminder bot: "/remind 10m stand-up" posts "⏰ stand-up" in the same conversation ten minutes
// later. Reminders are kept in a file, so they survive the bot's restarts: one due while the bot was
// down is posted as soon as it is back. Each reminder is keyed by the message that asked for it and
// posted with a client message id derived from that key, so a replay or a restart never doubles one.

/** A reminder waiting to be posted. */
interface Reminder {
  /** "<conversation id>/<seq>" of the /remind message. */
  key: string;
  conversationId: string;
  text: string;
  /** Unix milliseconds. */
  dueAt: number;
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Longer waits do not fit one timer and are not what this small bot is for. */
const maxDelayMs = 7 * units.d!;

const { server, token, state, ca } = botArgs("remind-bot");
const file = join(state, "reminders.json");
const reminders = new Map<string, Reminder>(await load());
const timers = new Map<string, NodeJS.Timeout>();
const bot = new Bot({ server, token, ...(ca ? { ca } : {}), cursors: fileCursorStore(join(state, "cursors.json")) });

bot.command("remind", async ({ message, args, reply }) => {
  const match = /^(\d+)([smhd])$/.exec(args[0] ?? "");
  const text = args.slice(1).join(" ");
  const delay = match ? Number(match[1]) * units[match[2]!]! : 0;
  if (!match || !text || delay > maxDelayMs) {
    await reply("usage: /remind <number><s|m|h|d> <what>, e.g. /remind 10m stand-up (at most 7d)");
    return;
  }
  const key = `${message.conversationId}/${message.seq}`;
  if (!reminders.has(key)) {
    const reminder = { key, conversationId: message.conversationId, text, dueAt: Date.now() + delay };
    reminders.set(key, reminder);
    await save();
    schedule(reminder);
  }
  await reply(`I'll remind you in ${args[0]}: ${text}`);
});

await bot.start();
for (const reminder of reminders.values()) schedule(reminder);
console.error(`remind-bot: @${bot.user.username} on ${server}, ${reminders.size} reminder(s) pending`);

function schedule(reminder: Reminder): void {
  if (timers.has(reminder.key)) return;
  timers.set(reminder.key, setTimeout(() => void post(reminder), Math.max(0, reminder.dueAt - Date.now())));
}

async function post(reminder: Reminder): Promise<void> {
  try {
    await bot.send(reminder.conversationId, `⏰ ${reminder.text}`, `remind-${reminder.key}`);
    reminders.delete(reminder.key);
    timers.delete(reminder.key);
    await save();
  } catch (err) {
    // Kept in the file: posted again (with the same id, so once) after a retry or a restart.
    console.error(`remind-bot: could not post reminder ${reminder.key}: ${err instanceof Error ? err.message : String(err)}; retrying in 10 s`);
    timers.delete(reminder.key);
    setTimeout(() => schedule(reminder), 10_000);
  }
}

async function load(): Promise<[string, Reminder][]> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "[]"; // a first run
    throw err;
  });
  return (JSON.parse(text) as Reminder[]).map((r) => [r.key, r]);
}

/** Rewrites the file through a temporary one, so that a crash leaves the old or the new version whole. */
async function save(): Promise<void> {
  await mkdir(state, { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify([...reminders.values()]));
  await rename(`${file}.tmp`, file);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const t of timers.values()) clearTimeout(t);
    void bot.stop().then(() => process.exit(0));
  });
}
