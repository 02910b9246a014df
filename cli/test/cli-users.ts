import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../server/test/services/free-port.ts";
import { repoRoot, ServerProcess } from "./server-process.ts";
import { type Terminal, TmuxServer } from "./tmux.ts";

const run = promisify(execFile);

/** The password every test user gets. */
export const password = "correct horse battery staple";

/**
 * A terminal client test's world: a real server process on a fresh data dir, a tmux server, and
 * people using `chat` (each with their own config dir) through the scriptable commands or the
 * interactive client in a tmux terminal.
 */
export class CliUsers {
  readonly dir: string;
  readonly server: ServerProcess;
  readonly tmux: TmuxServer;

  private constructor(dir: string, server: ServerProcess) {
    this.dir = dir;
    this.server = server;
    this.tmux = new TmuxServer();
  }

  /**
   * Starts the server (tmux must be there: a missing tmux fails the test rather than skipping it),
   * with `serverArgs` as more of its flags (a test's limits, say).
   */
  static async start(name: string, serverArgs: string[] = []): Promise<CliUsers> {
    TmuxServer.check();
    const dir = await mkdtemp(join(tmpdir(), `chat-${name}-`));
    const world = new CliUsers(dir, new ServerProcess(await freePort(), join(dir, "data"), serverArgs));
    await world.server.start();
    return world;
  }

  /** Ends the terminals and the server, and deletes the data. */
  async stop(): Promise<void> {
    this.tmux.kill();
    await this.server.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The environment of a user's `chat` process. */
  env(user: string): Record<string, string> {
    return { CHAT_CONFIG_DIR: join(this.dir, user), CHAT_SERVER: this.server.url };
  }

  /** Runs a scriptable `chat` command as a user. */
  chat(user: string, ...args: string[]) {
    return run(process.execPath, [join(repoRoot, "cli/src/main.ts"), ...args], { env: { ...process.env, ...this.env(user), CHAT_PASSWORD: password } });
  }

  /** Opens the interactive client of a user in a terminal of the given size. */
  open(user: string, size?: { width: number; height: number }): Terminal {
    const vars = Object.entries(this.env(user)).map(([k, v]) => `${k}='${v}'`).join(" ");
    // `exec` so that Ctrl-C reaches the client itself and the session ends when it exits.
    return this.tmux.open(user, `cd '${repoRoot}' && exec env ${vars} '${process.execPath}' cli/src/main.ts 2>>'${join(this.dir, `${user}.stderr`)}'`, size);
  }
}
