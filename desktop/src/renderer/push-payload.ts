/**
 * What a Web Push message says, as the server's push worker sends it (server/src/push: the fields of
 * `PushNotification`, as JSON, encrypted per RFC 8291 so only this browser reads it), and the
 * notification the service worker shows for it. Shared by the service worker (`sw.ts`) and its tests;
 * no DOM and no imports, so that the service worker stays one small file.
 */

/** The fields of a push message that the notification uses; the rest is ignored. */
export interface PushPayload {
  /** The conversation: also the notification's tag, so a newer one replaces the older (collapse). */
  conversationId: string;
  /** "alice", or "alice in #team". */
  title: string;
  /** The message text with previews on, else "New message" / "3 new messages". */
  body: string;
  /** The newest message it covers, to open the conversation there. */
  seq: number;
  /** A message it covers names the person. */
  mention: boolean;
}

/** A notification to show: `registration.showNotification(title, options)`. */
export interface ShownNotification {
  title: string;
  options: { body: string; tag: string; renotify: boolean; data: { conversationId: string; seq: number }; icon?: string };
}

/** Longest body a notification shows (the system cuts it anyway; a long text is not sent on). */
const maxBody = 200;

/**
 * Reads a push message's JSON (the object itself, or inside `notification`): undefined when it is not
 * one of ours (no conversation), so that nothing wrong is shown; missing words get plain defaults.
 */
export function readPushPayload(json: unknown): PushPayload | undefined {
  const outer = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const o = typeof outer.notification === "object" && outer.notification !== null ? (outer.notification as Record<string, unknown>) : outer;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const conversationId = text(o.conversationId) || text(o.conversation_id);
  if (!conversationId) return undefined;
  const count = Math.max(1, Number(o.count) || 1);
  return {
    conversationId,
    title: text(o.title) || "Chat",
    body: text(o.body) || (count > 1 ? `${count} new messages` : "New message"),
    seq: Number.isSafeInteger(Number(o.seq)) ? Number(o.seq) : 0,
    mention: o.mention === true,
  };
}

/**
 * The notification for a payload: one per conversation (tag), a newer one replacing the older and
 * alerting again (`renotify`); the conversation rides along in `data` for the click.
 */
export function notificationFor(p: PushPayload): ShownNotification {
  const body = p.body.length > maxBody ? `${p.body.slice(0, maxBody - 1)}…` : p.body;
  return {
    title: p.title,
    options: { body, tag: p.conversationId, renotify: true, data: { conversationId: p.conversationId, seq: p.seq } },
  };
}

/**
 * The page a click opens when no window of the app is there: the app, told which conversation to
 * open, and which server to talk to when the page was not served by it (the service worker was
 * registered as `sw.js?server=…` by such a page).
 */
export function openUrl(scope: string, conversationId: string, server: string | null): string {
  const url = new URL("index.html", scope);
  if (server) url.searchParams.set("server", server);
  url.searchParams.set("open", conversationId);
  return url.toString();
}

/** The message a service worker posts to an open window of the app to bring a conversation to the front. */
export interface OpenConversationMessage {
  type: "chat.open";
  conversationId: string;
}
