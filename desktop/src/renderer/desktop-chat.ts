import { Code, ConnectError } from "@connectrpc/connect";
import { type ChatClients, ChatModel, describeError, IdleAway, LiveSession, MessageSearch, subscribeLink, uploadFile, UserDirectory } from "@chat/client";
import type { Account } from "./account.ts";
import { connectTo } from "./connection.ts";
import { FileFetch } from "./file-fetch.ts";
import { NotificationSettings } from "./notification-settings.ts";
import { Notifier } from "./notifier.ts";
import type { OpenConversationMessage } from "./push-payload.ts";
import { type DesktopAction, type DesktopState, initialDesktopState, readUpTo, reduceDesktop } from "./view-model.ts";

/** Where an older version kept the muted conversations (the server keeps them now: moved there at start). */
const mutedKey = "chat.muted";
/** Where the minutes of idleness before "away" are kept (a setting of this device). */
const awayKey = "chat.awayAfterMinutes";
/** Away after this many idle minutes unless the person chose otherwise (docs/protocol.md: 5). */
const defaultAwayMinutes = 5;

/**
 * One logged-in window: the shared `ChatModel` on a live session over `subscribeLink` (a browser
 * cannot stream requests), plus the one effect that depends on the window: what the person can
 * see is marked read.
 */
export class DesktopChat {
  readonly model: ChatModel<DesktopState, DesktopAction>;
  readonly notifier = new Notifier((conversationId) => this.model.dispatch({ type: "open", conversationId }));
  /** Attachments' bytes, with the token. */
  readonly files: FileFetch;
  /** Away after idle minutes, online again on activity. */
  readonly idle: IdleAway;
  /** The search box's results. */
  readonly search: MessageSearch;
  /** Message previews in notifications, and this browser's Web Push registration. */
  readonly notifications: NotificationSettings;
  private readonly clients: ChatClients;
  private uploads = 0;
  /** A conversation to open once the list has it (a notification was clicked: `?open=` or the service worker's message). */
  private pendingOpen: string | undefined;
  private readonly stops: (() => void)[] = [];

  /** `push` is false where the browser's Push API has no push service behind it (Electron). */
  constructor(serverUrl: string, account: Account, focused: boolean, push = true) {
    const clients = connectTo(serverUrl, account.token);
    this.clients = clients;
    this.files = new FileFetch(serverUrl, account.token);
    const users = new UserDirectory(clients.users);
    this.search = new MessageSearch(clients.search, users);
    this.notifications = new NotificationSettings(clients.push, push);
    const session = new LiveSession({ clients, link: subscribeLink(clients) });
    this.model = new ChatModel<DesktopState, DesktopAction>({
      session, clients, users,
      state: reduceDesktop(initialDesktopState(account.user.id, focused), { type: "names", names: { [account.user.id]: account.user.username } }),
      reduce: reduceDesktop,
      closedNotice: () => "This device was signed out. Log in again.",
      onNewMessage: (m, state) => this.notifier.notify(state, m),
    });
    this.model.subscribe((state) => {
      const read = readUpTo(state);
      if (read) this.model.markRead(read.conversationId, read.seq);
      if (this.pendingOpen && state.conversations[this.pendingOpen]) this.open(this.pendingOpen);
    });
    const me = account.user.id;
    this.idle = new IdleAway({
      minutes: awayAfterMinutes(),
      // Unknown until the first Presence: treated as online, the default of every account.
      current: () => this.model.state.statuses[me]?.availability ?? "online",
      set: (availability) => this.model.setStatus({ availability }),
      onError: (err) => this.model.dispatch({ type: "notice", text: `could not change your status: ${describeError(err)}` }),
    });
  }

  /**
   * Uploads files (chunked, with progress in the state) and sends them as one message, with the
   * draft as caption and the reply under way. A failed upload stays listed with its error.
   */
  async attach(conversationId: string, picked: File[], caption: string, replyToSeq: bigint | undefined): Promise<void> {
    const attachments: { id: string; fileName: string }[] = [];
    for (const file of picked) {
      const id = `u${++this.uploads}`;
      const progress = (received: number, error = "") => this.model.dispatch({
        type: "upload", upload: { id, conversationId, fileName: file.name, received, size: file.size, error },
      });
      progress(0);
      try {
        attachments.push(await uploadFile(this.clients.files, file, file.name, { onProgress: (sent) => progress(sent) }));
        this.model.dispatch({ type: "uploadEnd", id });
      } catch (err) {
        progress(0, `${file.name}: ${describeError(err)}`);
        return;
      }
    }
    this.model.send(conversationId, caption, { attachments, replyToSeq });
  }

  /** Mutes (for `forMs`, or until unmuted) or unmutes a conversation on every device of mine; a refusal shows as the notice. */
  async setMuted(conversationId: string, muted: boolean, forMs?: number): Promise<void> {
    try {
      await this.model.setMuted(conversationId, muted, forMs);
    } catch (err) {
      this.model.dispatch({ type: "notice", text: `could not ${muted ? "mute" : "unmute"}: ${describeError(err)}` });
    }
  }

  /** Opens a conversation from the list: at its newest messages, also when a search hit left older ones loaded. */
  open(conversationId: string): void {
    this.pendingOpen = undefined;
    this.model.dispatch({ type: "open", conversationId });
    if (this.model.state.conversations[conversationId]?.gapAfter !== undefined) void this.showNewest(conversationId);
  }

  /** Back to the newest messages of a conversation (the "Jump to newest" of a search hit's context). */
  async showNewest(conversationId: string): Promise<void> {
    try {
      await this.model.showNewest(conversationId);
    } catch (err) {
      this.model.dispatch({ type: "notice", text: `could not read the newest messages: ${describeError(err)}` });
    }
  }

  /** Opens a search hit: its conversation, scrolled to it with the messages around it, highlighted. */
  async openHit(conversationId: string, seq: bigint): Promise<void> {
    try {
      await this.model.openAt(conversationId, seq);
    } catch (err) {
      this.model.dispatch({ type: "notice", text: `could not open that message: ${describeError(err)}` });
    }
  }

  /** Connects; opens the conversation a notification was clicked for (`?open=`), and later ones the service worker names. */
  start(): void {
    this.pendingOpen = new URL(location.href).searchParams.get("open") ?? undefined;
    const fromWorker = (event: MessageEvent<OpenConversationMessage>) => {
      if (event.data?.type !== "chat.open" || typeof event.data.conversationId !== "string") return;
      window.focus();
      if (this.model.state.conversations[event.data.conversationId]) this.open(event.data.conversationId);
      else this.pendingOpen = event.data.conversationId;
    };
    navigator.serviceWorker?.addEventListener("message", fromWorker);
    this.stops.push(() => navigator.serviceWorker?.removeEventListener("message", fromWorker));
    this.model.start();
    this.idle.start();
    void this.notifications.load();
    void moveMutesToServer((conversationId) => this.model.setMuted(conversationId, true));
  }

  /** Disconnects for good (logout or window closed). */
  close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    this.idle.stop();
    this.files.dispose();
    this.search.clear();
    return this.model.close();
  }
}

/** The minutes of idleness before "away" (localStorage `chat.awayAfterMinutes`; fractions allowed). */
function awayAfterMinutes(): number {
  const value = Number(localStorage.getItem(awayKey) ?? defaultAwayMinutes);
  return Number.isFinite(value) && value > 0 ? value : defaultAwayMinutes;
}

/**
 * Mutes an older version kept in localStorage become the server's (every device sees them); the list
 * is dropped once the server has them all, and kept for the next start when it could not take them.
 * A damaged list is dropped (muting is a convenience); a conversation left meanwhile has nothing to mute.
 */
async function moveMutesToServer(mute: (conversationId: string) => Promise<void>): Promise<void> {
  let ids: string[];
  try {
    const saved = JSON.parse(localStorage.getItem(mutedKey) ?? "[]") as unknown;
    ids = Array.isArray(saved) ? saved.filter((id): id is string => typeof id === "string").slice(0, 1000) : [];
  } catch (err) {
    console.warn("the saved muted conversations are unreadable; dropped", err);
    ids = [];
  }
  try {
    for (const conversationId of ids) {
      await mute(conversationId).catch((err: unknown) => {
        if (ConnectError.from(err).code !== Code.NotFound) throw err;
      });
    }
    localStorage.removeItem(mutedKey);
  } catch (err) {
    console.warn("could not move the muted conversations to the server; kept for the next start", err);
  }
}
