import { LiveSession, UserDirectory } from "@chat/client";
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
    muted: config.muted, onQuit: () => quit(),
    bell: () => process.stdout.write("\x07"),
    // Read again before writing: a login in another terminal may have changed the file meanwhile.
    saveMuted: (muted) => void readConfig().then((latest) => writeConfig({ ...latest, muted })).catch((err: Error) => {
      process.stderr.write(`chat: could not save the muted conversations: ${err.message}\n`);
    }),
  });
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
