/**
 * What a user search matches, shared by both stores so that they answer alike: a user matches a
 * prefix when their username, a part of it (split at ".", "_", "-"), their display name or a word
 * of it starts with the prefix, compared in lower case (NFC). The embedded store tests each row
 * with {@link matchesUserSearch}; the cluster store writes one row per {@link searchPrefixes} entry
 * and reads the query's own prefix as one partition.
 */

/** Tokens longer than this are indexed by their first characters only; longer queries are checked row by row. */
export const maxIndexedPrefix = 32;

/** The form queries and names are compared in. */
export function normalizeSearch(text: string): string {
  return text.normalize("NFC").toLowerCase().trim();
}

/** The words a search can start at: the username and its parts, the display name and its words. */
function searchTokens(username: string, displayName: string): string[] {
  const name = normalizeSearch(displayName);
  const user = normalizeSearch(username);
  return [user, ...user.split(/[._-]+/), name, ...name.split(/\s+/)].filter((t) => t !== "");
}

/** True when the user matches the (normalized) prefix. */
export function matchesUserSearch(username: string, displayName: string, prefix: string): boolean {
  return searchTokens(username, displayName).some((t) => t.startsWith(prefix));
}

/** Every distinct prefix (1 to {@link maxIndexedPrefix} characters) a user is found by. */
export function searchPrefixes(username: string, displayName: string): string[] {
  const prefixes = new Set<string>();
  for (const token of searchTokens(username, displayName)) {
    const chars = [...token].slice(0, maxIndexedPrefix);
    for (let n = 1; n <= chars.length; n++) prefixes.add(chars.slice(0, n).join(""));
  }
  return [...prefixes];
}
