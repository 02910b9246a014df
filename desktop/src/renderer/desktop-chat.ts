import { type ChatClients, ChatModel, describeError, IdleAway, LiveSession, subscribeLink, uploadFile, UserDirectory } from "@chat/client";
import type { Account } from "./account.ts";
import { connectTo } from "./connection.ts";
import { FileFetch } from "./file-fetch.ts";
import { Notifier } from "./notifier.ts";
import { type DesktopAction, type DesktopState, initialDesktopState, readUpTo, reduceDesktop } from "./view-model.ts";

/** Where the muted conversations are kept between runs (not secret: localStorage in both shells). */
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
  private readonly clients: ChatClients;
  private uploads = 0;

  constructor(serverUrl: string, account: Account, focused: boolean) {
    const clients = connectTo(serverUrl, account.token);
    this.clients = clients;
    this.files = new FileFetch(serverUrl, account.token);
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

  /** Mutes or unmutes a conversation, and remembers it for the next run. */
  setMuted(conversationId: string, muted: boolean): void {
    this.model.dispatch({ type: "mute", conversationId, muted });
    localStorage.setItem(mutedKey, JSON.stringify(Object.keys(this.model.state.muted)));
  }

  /** Connects. */
  start(): void {
    this.model.start();
    this.idle.start();
  }

  /** Disconnects for good (logout or window closed). */
  close(): Promise<void> {
    this.idle.stop();
    this.files.dispose();
    return this.model.close();
  }
}

/** The minutes of idleness before "away" (localStorage `chat.awayAfterMinutes`; fractions allowed). */
function awayAfterMinutes(): number {
  const value = Number(localStorage.getItem(awayKey) ?? defaultAwayMinutes);
  return Number.isFinite(value) && value > 0 ? value : defaultAwayMinutes;
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
