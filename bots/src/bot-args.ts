import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/**
 * The command line every example bot takes: `--server host:port --token chatbot_… --state DIR`
 * (or CHAT_SERVER, CHAT_BOT_TOKEN, CHAT_BOT_STATE). `state` is where the bot keeps its files.
 * `--server https://host:port` speaks TLS; `--ca-file` (CHAT_CA_FILE) trusts a private CA's PEM.
 */
export function botArgs(name: string): { server: string; token: string; state: string; ca?: Buffer } {
  const { values } = parseArgs({
    options: {
      server: { type: "string", default: process.env.CHAT_SERVER ?? "127.0.0.1:8080" },
      token: { type: "string", default: process.env.CHAT_BOT_TOKEN ?? "" },
      state: { type: "string", default: process.env.CHAT_BOT_STATE ?? `.${name}` },
      "ca-file": { type: "string", default: process.env.CHAT_CA_FILE ?? "" },
    },
  });
  if (!values.token) {
    console.error(`${name}: set --token or CHAT_BOT_TOKEN (its owner creates one with BotService.CreateBotToken; see bots/README.md)`);
    process.exit(2);
  }
  const caFile = values["ca-file"];
  return { server: values.server!, token: values.token, state: values.state!, ...(caFile ? { ca: readFileSync(caFile) } : {}) };
}
