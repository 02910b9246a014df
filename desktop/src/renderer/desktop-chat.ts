import { ChatModel, LiveSession, subscribeLink, UserDirectory } from "@chat/client";
import type { Account } from "./account.ts";
import { connectTo } from "./connection.ts";
import { Notifier } from "./notifier.ts";
import { type DesktopAction, type DesktopState, initialDesktopState, readUpTo, reduceDesktop } from "./view-model.ts";

/** Where the muted conversations are kept between runs (not secret: localStorage in both shells). */
const mutedKey = "chat.muted";

/**
 * One logged-in window: the shared `ChatModel` on a live session over `subscribeLink` (a browser
 * cannot stream requests), plus the one effect that depends on the window: what the person can
 * see is marked read.
 */
export class DesktopChat {
  readonly model: ChatModel<DesktopState, DesktopAction>;
  readonly notifier = new Notifier((conversationId) => this.model.dispatch({ type: "open", conversationId }));

  constructor(serverUrl: string, account: Account, focused: boolean) {
    const clients = connectTo(serverUrl, account.token);
    const session = new LiveSession({ clients, link: subscribeLink(clients) });
    this.model = new ChatModel<DesktopState, DesktopAction>({
      session, clients, users: new UserDirectory(clients.users),
      state: { ...reduceDesktop(initialDesktopState(account.user.id, focused), { type: "names", names: { [account.user.id]: account.user.username } }), muted: loadMuted() },
      reduce: reduceDesktop,
      closedNotice: () => "This device was signed out. Log in again.",
      onNewMessage: (m, state) => this.notifier.notify(state, m),
    });
    this.model.subscribe((state) => {
      const read = readUpTo(state);
      if (read) this.model.markRead(read.conversationId, read.seq);
    });
  }

  /** Mutes or unmutes a conversation, and remembers it for the next run. */
  setMuted(conversationId: string, muted: boolean): void {
    this.model.dispatch({ type: "mute", conversationId, muted });
    localStorage.setItem(mutedKey, JSON.stringify(Object.keys(this.model.state.muted)));
  }

  /** Connects. */
  start(): void {
    this.model.start();
  }

  /** Disconnects for good (logout or window closed). */
  close(): Promise<void> {
    return this.model.close();
  }
}

/** The muted conversations of an earlier run; a damaged entry is dropped (muting is a convenience). */
function loadMuted(): Record<string, boolean> {
  try {
    const ids = JSON.parse(localStorage.getItem(mutedKey) ?? "[]") as unknown;
    return Array.isArray(ids) ? Object.fromEntries(ids.filter((id) => typeof id === "string").slice(0, 1000).map((id) => [id, true])) : {};
  } catch (err) {
    console.warn("the saved muted conversations are unreadable; starting with none", err);
    return {};
  }
}
