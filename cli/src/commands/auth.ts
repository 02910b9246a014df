import { hostname } from "node:os";
import type { ChatClients } from "@chat/client";
import { caFileFor, configPath, readConfig, serverUrl, writeConfig } from "../config.ts";
import { connect, connectLoggedIn } from "../connection.ts";
import { type PasswordSource, readPassword, readPasswordChange } from "./password.ts";

/** Options every command takes. */
export interface GlobalOptions {
  server?: string;
  /** CA certificate (PEM) to trust for an `https://` server with a private certificate. */
  caFile?: string;
}

/** How a new device calls itself in `ListSessions`. */
const deviceName = () => `cli@${hostname()}`.slice(0, 64);

/** `chat register <username>`: creates the account and logs this terminal in. */
export function register(username: string, options: GlobalOptions & PasswordSource & { displayName?: string }): Promise<void> {
  return signIn(options, "registered and logged in", (clients, password) =>
    clients.auth.register({ username, password, displayName: options.displayName ?? "", deviceName: deviceName() }));
}

/** `chat login <username>`: logs this terminal in as a new device of the account. */
export function login(username: string, options: GlobalOptions & PasswordSource): Promise<void> {
  return signIn(options, "logged in", (clients, password) => clients.auth.login({ username, password, deviceName: deviceName() }));
}

/** What Register and Login both answer. */
interface SignedIn {
  user?: { id: string; username: string };
  token: string;
  deviceId: string;
}

/** Reads the password, makes the call, and keeps the new device's token in the config file. */
async function signIn(options: GlobalOptions & PasswordSource, done: string, call: (clients: ChatClients, password: string) => Promise<SignedIn>): Promise<void> {
  const config = await readConfig();
  const server = serverUrl(options.server, config);
  const caFile = caFileFor(options.caFile, config);
  const password = await readPassword(options);
  const res = await call(connect(server, {}, caFile).clients, password);
  await writeConfig({ ...config, server, ...(caFile ? { caFile } : {}), token: res.token, userId: res.user!.id, username: res.user!.username, deviceId: res.deviceId });
  console.log(`${done} as @${res.user!.username}`);
}

/** `chat logout`: revokes this device's token on the server and forgets it. */
export async function logout(options: GlobalOptions): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  try {
    await clients.auth.logout({});
  } finally {
    // Forget the token even when the server cannot be told: a logged-out terminal must not keep it.
    await writeConfig({ server: config.server, ...(config.caFile ? { caFile: config.caFile } : {}) });
  }
  console.log("logged out");
}

/** `chat whoami`: the account and device the token belongs to, as the server sees it. */
export async function whoami(options: GlobalOptions & { json?: boolean }): Promise<void> {
  const { clients, server } = await connectLoggedIn(options);
  const { user, deviceId } = await clients.auth.whoAmI({});
  if (options.json) {
    console.log(JSON.stringify({ userId: user!.id, username: user!.username, displayName: user!.displayName, deviceId, server }));
    return;
  }
  console.log(`@${user!.username} (${user!.displayName}) on ${server}, device ${deviceId}, config ${configPath()}`);
}

/** `chat passwd`: changes the account's password; every other device of the account is logged out. */
export async function changePassword(options: GlobalOptions & PasswordSource): Promise<void> {
  const { clients } = await connectLoggedIn(options);
  const { revokedSessions } = await clients.auth.changePassword(await readPasswordChange(options));
  console.log(`password changed; ${revokedSessions} other device${revokedSessions === 1 ? "" : "s"} logged out`);
}
