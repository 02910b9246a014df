import { ChatModel, LiveSession, subscribeLink, UserDirectory } from "@chat/client";
import type { Account } from "./account.ts";
import { connectTo } from "./connection.ts";
import { type DesktopAction, type DesktopState, initialDesktopState, readUpTo, reduceDesktop } from "./view-model.ts";

/**
 * One logged-in window: the shared `ChatModel` on a live session over `subscribeLink` (a browser
 * cannot stream requests), plus the one effect that depends on the window: what the person can
 * see is marked read.
 */
export class DesktopChat {
  readonly model: ChatModel<DesktopState, DesktopAction>;

  constructor(serverUrl: string, account: Account, focused: boolean) {
    const clients = connectTo(serverUrl, account.token);
    const session = new LiveSession({ clients, link: subscribeLink(clients) });
    this.model = new ChatModel<DesktopState, DesktopAction>({
      session, clients, users: new UserDirectory(clients.users),
      state: reduceDesktop(initialDesktopState(account.user.id, focused), { type: "names", names: { [account.user.id]: account.user.username } }),
      reduce: reduceDesktop,
      closedNotice: () => "This device was signed out. Log in again.",
    });
    this.model.subscribe((state) => {
      const read = readUpTo(state);
      if (read) this.model.markRead(read.conversationId, read.seq);
    });
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
