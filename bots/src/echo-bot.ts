#!/usr/bin/env node
import { join } from "node:path";
import { botArgs } from "./bot-args.ts";
import { Bot, fileCursorStore } from "./sdk/index.ts";

// The echo bot: answers every message with "echo: <text>". Everything else (reconnects, resume,
// answering once, skipping other bots) is the SDK's.
const { server, token, state, ca } = botArgs("echo-bot");
const bot = new Bot({ server, token, ...(ca ? { ca } : {}), cursors: fileCursorStore(join(state, "cursors.json")) });
bot.onMessage(({ message, reply }) => reply(`echo: ${message.text}`));
await bot.start();
console.error(`echo-bot: @${bot.user.username} (${bot.user.id}) on ${server}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void bot.stop().then(() => process.exit(0)));
}
