import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What {@link Terminal.capture} shows once the program in it has exited. */
const ended = "(the session has ended)";

/** The tmux the end-to-end tests drive. Missing tmux fails the test: it is never skipped. */
const tmuxBin = "tmux";

/**
 * A tmux server on its own socket (so parallel runs and a developer's own tmux never meet), whose
 * sessions are terminals running a program: type into them, read what they show.
 */
/**
 * The environment of the terminals: the test's, but without `CI`, which a person's terminal does not
 * have and which makes the client's colour detection (supports-color) turn colours off.
 */
const terminalEnv: NodeJS.ProcessEnv = { ...process.env };
delete terminalEnv.CI;

export class TmuxServer {
  readonly socket = `chat-e2e-${process.pid}-${Date.now().toString(36)}`;

  /** Throws when tmux cannot run: the test needs it. */
  static check(): string {
    return execFileSync(tmuxBin, ["-V"], { encoding: "utf8" }).trim();
  }

  /** Opens a detached session of `width`×`height` running `command` (a shell command line). */
  open(name: string, command: string, size = { width: 120, height: 40 }): Terminal {
    this.tmux("new-session", "-d", "-s", name, "-x", String(size.width), "-y", String(size.height), command);
    return new Terminal(this, name);
  }

  /** Runs a tmux command on this server. */
  tmux(...args: string[]): string {
    return execFileSync(tmuxBin, ["-L", this.socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: terminalEnv });
  }

  /** Ends every session and the server, and removes its socket file (tmux leaves it behind). */
  kill(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // already gone
    }
    const dir = join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`);
    rmSync(join(dir, this.socket), { force: true });
  }
}

/** One tmux session: a terminal with a program in it. */
export class Terminal {
  private readonly server: TmuxServer;
  readonly name: string;

  constructor(server: TmuxServer, name: string) {
    this.server = server;
    this.name = name;
  }

  /** Types text literally (no key names interpreted). */
  type(text: string): void {
    this.server.tmux("send-keys", "-t", this.name, "-l", text);
  }

  /** Presses keys by tmux name: "Enter", "C-c", "Tab", "PPage". */
  press(...keys: string[]): void {
    this.server.tmux("send-keys", "-t", this.name, ...keys);
  }

  /** What the terminal shows now, one string per row; a fixed text once the session has ended. */
  capture(): string {
    try {
      return this.server.tmux("capture-pane", "-p", "-t", this.name);
    } catch (err) {
      if (this.alive()) throw err;
      return ended; // the program exited between our look and the capture
    }
  }

  /** What the terminal shows now with its colours and styles, as SGR escape sequences. */
  captureStyled(): string {
    return this.server.tmux("capture-pane", "-p", "-e", "-t", this.name);
  }

  /** True while the session (and so its program) is running. */
  alive(): boolean {
    try {
      this.server.tmux("has-session", "-t", this.name);
      return true;
    } catch {
      return false;
    }
  }

  /** Polls the screen until `check` accepts it; fails with the last screen after `timeoutMs`. */
  async waitFor(what: string, check: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = this.capture();
      if (check(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; the screen was:\n${screen}`);
  }
}

/** Saves screens as text files for a person to look at after the run. */
export class ScreenArchive {
  private readonly dir: string;
  private step = 0;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Writes what each terminal shows now, as `NN-<label>-<terminal>.txt`. */
  save(label: string, ...terminals: Terminal[]): void {
    this.step++;
    for (const t of terminals) {
      const screen = t.capture();
      writeFileSync(join(this.dir, `${String(this.step).padStart(2, "0")}-${label}-${t.name}.txt`), screen);
    }
  }
}

/**
 * The foreground colour (an SGR code: 31 red … 37, 90-97 bright; undefined for the default) that
 * `text` starts in on a {@link Terminal.captureStyled} screen; throws when the text is not there.
 */
export function colourOf(styled: string, text: string): number | undefined {
  for (const row of styled.split("\n")) {
    let colour: number | undefined;
    let plain = "";
    const colours: (number | undefined)[] = [];
    // biome-ignore lint/suspicious/noControlCharactersInRegex: SGR sequences start with ESC, which is what we parse
    for (const part of row.split(/(\x1b\[[0-9;]*m)/)) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
      const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
      if (!sgr) {
        plain += part;
        colours.push(...Array.from({ length: part.length }, () => colour));
        continue;
      }
      for (const code of (sgr[1] || "0").split(";").map(Number)) {
        if (code === 0 || code === 39) colour = undefined;
        else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) colour = code;
      }
    }
    const at = plain.indexOf(text);
    if (at >= 0) return colours[at];
  }
  throw new Error(`"${text}" is not on the screen:\n${styled}`);
}
