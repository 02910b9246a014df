import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** What the CLI remembers between runs, in `config.json` (mode 0600: it holds a bearer token). */
export interface CliConfig {
  /** The server URL last logged in to. */
  server?: string;
  /** The CA certificate file (PEM) that server's TLS certificate was checked against, when not a public CA. */
  caFile?: string;
  /** The device's bearer token; absent when logged out. */
  token?: string;
  userId?: string;
  username?: string;
  deviceId?: string;
  /** Conversations muted by an older interactive client, before the server kept mutes: moved to the server at the next start. */
  muted?: string[];
}

/** Where nothing else says otherwise. */
export const defaultServer = "http://127.0.0.1:8080";

/**
 * The folder of the config file: `$CHAT_CONFIG_DIR` (tests give each session its own), else the
 * XDG config dir, else `~/.config/chat`.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAT_CONFIG_DIR) return env.CHAT_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "chat");
}

/** The config file's path. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "config.json");
}

/** Reads the config; an absent file is an empty config. */
export async function readConfig(env: NodeJS.ProcessEnv = process.env): Promise<CliConfig> {
  try {
    return JSON.parse(await readFile(configPath(env), "utf8")) as CliConfig;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`cannot read ${configPath(env)}: ${(err as Error).message}`);
  }
}

/**
 * Writes the config atomically (a crash never leaves half a file) and readable by the owner only,
 * whatever the umask: the token in it is as good as the password.
 */
export async function writeConfig(config: CliConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${configPath(env)}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, configPath(env));
}

/** The server to talk to: `--server`, else `$CHAT_SERVER`, else the config file, else the default. */
export function serverUrl(flag: string | undefined, config: CliConfig, env: NodeJS.ProcessEnv = process.env): string {
  return (flag || env.CHAT_SERVER || config.server || defaultServer).replace(/\/+$/, "");
}

/**
 * The CA certificate file (PEM) to trust for an `https://` server with a self-signed or private
 * certificate: `--ca-file`, else `$CHAT_CA_FILE`, else the one remembered at login; undefined trusts
 * the system's CAs only (and `NODE_EXTRA_CA_CERTS`).
 */
export function caFileFor(flag: string | undefined, config: CliConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag || env.CHAT_CA_FILE || config.caFile || undefined;
}
