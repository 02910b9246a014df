import { Code, ConnectError } from "@connectrpc/connect";
import type { User } from "@chat/gen/chat/v1/user_pb.js";
import { connectTo } from "./connection.ts";
import type { Credentials } from "./forms.ts";
import type { Platform } from "./platform.ts";

/** A logged-in device: its token and its user. */
export interface Account {
  token: string;
  user: User;
}

/** The name this app's devices get in the user's list of sessions. */
function deviceName(platform: Platform): string {
  return platform.kind === "electron" ? "desktop" : "browser";
}

/** Logs in (or registers a new account) and saves the token. */
export async function signIn(platform: Platform, mode: "login" | "register", credentials: Credentials): Promise<Account> {
  const { auth } = connectTo(platform.serverUrl);
  const request = { username: credentials.username.trim().replace(/^@/, ""), password: credentials.password, deviceName: deviceName(platform) };
  const { token, user } = mode === "register" ? await auth.register(request) : await auth.login(request);
  await platform.saveToken(token);
  return { token, user: user! };
}

/**
 * The account of the saved token, or undefined when there is none or the server no longer accepts
 * it (then it is forgotten). Other errors (the server is down) are thrown: the token may be fine.
 */
export async function restore(platform: Platform): Promise<Account | undefined> {
  const token = await platform.loadToken();
  if (!token) return undefined;
  try {
    const { user } = await connectTo(platform.serverUrl, token).auth.whoAmI({});
    return { token, user: user! };
  } catch (err) {
    if (ConnectError.from(err).code !== Code.Unauthenticated) throw err;
    await platform.clearToken();
    return undefined;
  }
}

/** Revokes the token on the server (when reachable) and forgets it here. */
export async function signOut(platform: Platform, token: string): Promise<void> {
  try {
    await connectTo(platform.serverUrl, token).auth.logout({}, { timeoutMs: 3_000 });
  } finally {
    await platform.clearToken();
  }
}
