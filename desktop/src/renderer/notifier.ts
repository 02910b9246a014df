import { displayName, messageSummary, shouldNotify, shownMessage, titleOf } from "@chat/client";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { DesktopState } from "./view-model.ts";

/**
 * Desktop notifications for messages in conversations the person is not looking at: the web
 * Notification API, which Electron's renderer turns into the system's own notifications. A browser
 * asks for permission only on a click (see `askPermission`); until then nothing is shown.
 */
export class Notifier {
  private readonly open: (conversationId: string) => void;

  /** `open` is called when a notification is clicked: the window comes forward on that conversation. */
  constructor(open: (conversationId: string) => void) {
    this.open = open;
  }

  /** "granted", "denied", "default" (not asked yet), or "unsupported". */
  get permission(): NotificationPermission | "unsupported" {
    return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
  }

  /** Asks the browser for permission (must run in a click handler). */
  async askPermission(): Promise<NotificationPermission | "unsupported"> {
    if (this.permission === "unsupported") return "unsupported";
    return Notification.requestPermission();
  }

  /**
   * Shows a notification for `m` when it is new, from someone else, not muted, its conversation is
   * not in front of the person, and the person is not busy.
   */
  notify(state: DesktopState, m: Message): void {
    const watching = state.focused && !state.showList ? state.openId : undefined;
    // Busy means do not disturb: nothing pops up (the unread counts still say what came).
    if (this.permission !== "granted" || state.statuses[state.me]?.availability === "busy" || !shouldNotify(state, m, watching)) return;
    const c = state.conversations[m.conversationId];
    if (!c) return;
    const sender = displayName(state, m.senderId);
    const title = c.kind === "group" ? `${sender} in ${titleOf(state, c)}` : sender;
    // One notification per conversation: a newer message replaces the older one (same tag).
    const shown = new Notification(title, { body: messageSummary(shownMessage(m)).slice(0, 200), tag: m.conversationId });
    shown.onclick = () => {
      window.focus();
      this.open(m.conversationId);
      shown.close();
    };
  }
}
