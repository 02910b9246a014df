/**
 * A message text cut into the parts a screen draws differently: plain text, `@name` mentions (the
 * ones naming me stand out), and links. Done client-side until the schema carries rich messages.
 */

/** One run of a message text. */
export type TextPart =
  | { kind: "text"; text: string }
  | { kind: "mention"; text: string; username: string; self: boolean }
  | { kind: "link"; text: string; href: string };

// A mention is "@" after a non-word character (so "a@b.c" is not one) and a username's characters;
// a link is http(s):// up to whitespace, without the trailing punctuation of the sentence around it.
const token = /(?<![\w@])@([a-z0-9_.-]{1,32}[a-z0-9_-])|(?<![\w@])@([a-z0-9_-])|\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/gi;

/** Splits `text` into runs; `me` is my username (without "@"), to mark the mentions of me. */
export function textParts(text: string, me: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(token)) {
    const start = match.index;
    if (start > at) parts.push({ kind: "text", text: text.slice(at, start) });
    const username = match[1] ?? match[2];
    if (username !== undefined) {
      parts.push({ kind: "mention", text: match[0], username, self: username.toLowerCase() === me.toLowerCase() });
    } else {
      parts.push({ kind: "link", text: match[0], href: match[0] });
    }
    at = start + match[0].length;
  }
  if (at < text.length) parts.push({ kind: "text", text: text.slice(at) });
  return parts;
}

/** True when the text mentions `me` (`@me`, any case). */
export function mentions(text: string, me: string): boolean {
  return textParts(text, me).some((p) => p.kind === "mention" && p.self);
}

/** How many colours {@link nameColor} chooses from. */
export const nameColors = 8;

/**
 * A stable colour index (0 to {@link nameColors} - 1) for a user, so the same person has the same
 * colour in every group and on every device: FNV-1a over the user id.
 */
export function nameColor(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % nameColors;
}
