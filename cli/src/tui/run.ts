import { Code, ConnectError } from "@connectrpc/connect";
import { type ChatClients, describeError, LiveSession, UserDirectory } from "@chat/client";
import { render } from "ink";
import { createElement as h } from "react";
import type { GlobalOptions } from "../commands/auth.ts";
import { readConfig, writeConfig } from "../config.ts";
import { connectLoggedIn } from "../connection.ts";
import { App } from "./app.ts";
import { ChatController } from "./controller.ts";
import { readSettings } from "./settings.ts";

/**
 * `chat` with no command: the full-screen client on one live session. Quits cleanly on Ctrl-C or
 * /quit: the stream is closed (so contacts see the user go offline at once) and the terminal restored.
 */
export async function runTui(options: GlobalOptions): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw new Error("the interactive client needs a terminal; see `chat --help` for the scriptable commands");
  const settings = await readSettings();
  const { clients, config } = await connectLoggedIn(options);
  const session = new LiveSession({ clients });
  let quit: () => void = () => {};
  const done = new Promise<void>((resolve) => (quit = resolve));
  const controller = new ChatController({
    session, clients, users: new UserDirectory(clients.users), me: config.userId, username: config.username, settings,
    onQuit: () => quit(),
    bell: () => process.stdout.write("\x07"),
  });
  if (config.muted?.length) await moveMutesToServer(clients, config.muted);
  // Ink's own Ctrl-C handling would exit without closing the stream; this does it in order.
  process.once("SIGINT", () => quit());
  process.once("SIGTERM", () => quit());
  controller.start();
  // `interactive` is forced: Ink would otherwise draw only the last frame when CI=true is set.
  const ink = render(h(App, { controller, settings }), { exitOnCtrlC: false, alternateScreen: true, interactive: true });
  await done;
  ink.unmount();
  await controller.close();
}

/**
 * Mutes kept in config.json by an older client (before the server kept them) become the server's,
 * for every device; the list is dropped once the server has them all. A conversation left meanwhile
 * (NotFound) has nothing to mute.
 */
async function moveMutesToServer(clients: ChatClients, ids: string[]): Promise<void> {
  try {
    for (const conversationId of ids) {
      await clients.conversations.muteConversation({ conversationId, muted: true }).catch((err: unknown) => {
        if (ConnectError.from(err).code !== Code.NotFound) throw err;
      });
    }
    // Read again before writing: a login in another terminal may have changed the file meanwhile.
    const { muted: _moved, ...latest } = await readConfig();
    await writeConfig(latest);
  } catch (err) {
    process.stderr.write(`chat: could not move the muted conversations to the server (kept for the next start): ${describeError(err)}\n`);
  }
}
