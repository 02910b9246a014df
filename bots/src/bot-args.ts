import { parseArgs } from "node:util";

/**
 * The command line every example bot takes: `--server host:port --token chatbot_… --state DIR`
 * (or CHAT_SERVER, CHAT_BOT_TOKEN, CHAT_BOT_STATE). `state` is where the bot keeps its files.
 */
export function botArgs(name: string): { server: string; token: string; state: string } {
  const { values } = parseArgs({
    options: {
      server: { type: "string", default: process.env.CHAT_SERVER ?? "127.0.0.1:8080" },
      token: { type: "string", default: process.env.CHAT_BOT_TOKEN ?? "" },
      state: { type: "string", default: process.env.CHAT_BOT_STATE ?? `.${name}` },
    },
  });
  if (!values.token) {
    console.error(`${name}: set --token or CHAT_BOT_TOKEN (its owner creates one with BotService.CreateBotToken; see bots/README.md)`);
    process.exit(2);
  }
  return { server: values.server!, token: values.token, state: values.state! };
}
