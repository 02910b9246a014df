/**
 * What the forms accept, checked before anything is sent so that a person learns at once what to
 * fix. The limits are the API's (see RegisterRequest and CreateGroupRequest); the server checks
 * them again.
 */

/** The login / registration form. */
export interface Credentials {
  username: string;
  password: string;
}

/** Why the credentials cannot be sent, or "" when they can. */
export function credentialsProblem(c: Credentials, registering: boolean): string {
  const username = c.username.trim().replace(/^@/, "");
  if (!username) return "Enter a username.";
  if (registering && !/^[a-z0-9_.-]{3,32}$/i.test(username)) return "A username is 3 to 32 letters, digits, '_', '.' or '-'.";
  if (!c.password) return "Enter a password.";
  if (registering && c.password.length < 8) return "A password has at least 8 characters.";
  return "";
}

/** "@alice, bob  @carol" → ["alice", "bob", "carol"]: usernames separated by spaces or commas. */
export function parseUsernames(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((u) => u.replace(/^@/, "").toLowerCase()).filter(Boolean))];
}

/** Why a new group cannot be created, or "" when it can. */
export function groupProblem(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) return "Give the group a name.";
  if (trimmed.length > 100) return "A group name has at most 100 characters.";
  return "";
}
