import {
  type ChatClients, ChatModel, IdleAway, type LiveSession, MessageSearch, mentionsReader, nextUnread, seenBy, shouldNotify, shownMessage, type UserDirectory, userMessage,
} from "@chat/client";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { User } from "@chat/gen/chat/v1/user_pb.js";
import { userLine } from "../format.ts";
import { allLines, type BodyLine, readUpTo, type ScreenSize, screen, scrollToFound, scrollToMarker, wantsNewer, wantsOlder } from "./screen.ts";
import { type EditOp, edit, InputHistory } from "./line-editor.ts";
import { defaultSettings, type TuiSettings } from "./settings.ts";
import { runMessageCommand } from "./message-commands.ts";
import { parseInput, type SlashCommand } from "./slash-commands.ts";
import { type Action, initialState, reduce, type ViewState } from "./view-model.ts";

/** What the controller drives. */
export interface ControllerOptions {
  session: LiveSession;
  clients: ChatClients;
  users: UserDirectory;
  /** The logged-in user's id, and username when known (shown before the server answers). */
  me: string;
  username?: string;
  settings?: TuiSettings;
  /** Called when the person asks to quit (/quit). */
  onQuit(): void;
  /** Rings the terminal bell. */
  bell?(): void;
}

/**
 * The interactive client's behaviour: the shared `ChatModel` (live events, sends, marks, history)
 * plus the keyboard, the slash commands, and what depends on the terminal: what is on screen gets
 * marked read, the view opens at the first unread message, scrolling to the top reads older
 * history, and new messages elsewhere ring the bell. The Ink components only draw `state` and call
 * the key methods.
 */
export class ChatController {
  private readonly options: ControllerOptions;
  private readonly model: ChatModel<ViewState, Action>;
  private readonly history = new InputHistory();
  private readonly settings: TuiSettings;
  private size: ScreenSize = { width: 80, height: 24 };
  /** The text of a long message waiting for a second Enter. */
  private confirming: string | undefined;
  /**
   * What the view showed last: to open at the marker once, and to hold a scrolled-up view still:
   * `anchor` is the newest message on screen and how many lines were below it.
   */
  private seen = { openId: "" as string | undefined, placed: false, anchor: undefined as { seq: bigint; below: number } | undefined, gap: false };
  /** Away after the settings' idle minutes, online again at the next key. */
  private readonly idle: IdleAway;
  /** `/search`: its results go into the state while they are shown. */
  private readonly search: MessageSearch;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.settings = options.settings ?? defaultSettings;
    let state = { ...initialState(options.me), compact: this.settings.compact };
    if (options.username) state = reduce(state, { type: "names", names: { [options.me]: options.username } });
    this.model = new ChatModel<ViewState, Action>({
      session: options.session,
      clients: options.clients,
      users: options.users,
      state,
      reduce,
      // A session closes for good only when the token is no longer valid: say what to do.
      closedNotice: (error) => `${userMessage(error)} Quit (Ctrl-C) and run \`chat login\`.`,
      onNewMessage: (m, s) => this.onNewMessage(m, s),
    });
    this.model.subscribe(() => this.afterChange());
    this.search = new MessageSearch(options.clients.search, options.users);
    this.search.subscribe((results) => this.model.dispatch({ type: "search", results: results.query ? results : undefined }));
    this.idle = new IdleAway({
      minutes: this.settings.awayAfterMinutes,
      current: () => this.state.statuses[options.me]?.availability ?? "online",
      set: (availability) => this.model.setStatus({ availability }),
      onError: (err) => this.notice(`could not change your status: ${userMessage(err)}`),
    });
  }

  /** The current state. */
  get state(): ViewState {
    return this.model.state;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: (state: ViewState) => void): () => void {
    return this.model.subscribe(listener);
  }

  /** Starts listening to the session. */
  start(): void {
    this.model.start();
    this.idle.start();
  }

  /** A key or a paste: the person is here (back to online if idleness made them away). */
  activity(): void {
    this.idle.activity();
  }

  /** Stops listening and closes the session. */
  async close(): Promise<void> {
    this.idle.stop();
    await this.model.close();
  }

  /** The terminal was resized. */
  resize(size: ScreenSize): void {
    this.size = size;
    this.afterChange();
  }

  /** An editing key (or typed text) changed the input. */
  edit(op: EditOp): void {
    const next = edit({ text: this.state.input, cursor: this.state.cursor }, op);
    if (next.text === this.state.input && next.cursor === this.state.cursor) return;
    this.setInput(next.text, next.cursor);
  }

  /** Pasted text: inserted as it is, newlines included, to be sent as one message. */
  paste(text: string): void {
    this.edit({ kind: "insert", text: text.replace(/\r\n?/g, "\n").replace(/\t/g, "    ") });
  }

  /** ↑: the line sent before. */
  historyBack(): void {
    const text = this.history.up(this.state.input);
    if (text !== undefined) this.setInput(text, text.length);
  }

  /** ↓: the line sent after, or back to the draft. */
  historyForward(): void {
    const text = this.history.down();
    if (text !== undefined) this.setInput(text, text.length);
  }

  /**
   * Enter: sends the input, or runs the command on it. A message of many lines (a paste) waits for
   * a second Enter, so a paste into the wrong window is not sent at once.
   */
  submit(): void {
    const line = this.state.input;
    if (line.trim() === "") return;
    const lines = line.split("\n").length;
    if (lines > this.settings.pasteConfirmLines && this.confirming !== line) {
      this.confirming = line;
      return this.notice(`${lines} lines: Enter again sends them as one message, Ctrl-U clears`);
    }
    this.confirming = undefined;
    this.history.add(line);
    this.setInput("", 0);
    this.notice("");
    const parsed = parseInput(line);
    if (parsed.kind === "invalid") return this.notice(parsed.message);
    if (parsed.kind === "command") return void this.run(parsed.command);
    const open = this.state.openId;
    if (!open) return this.notice("no conversation open: /new @username first");
    this.model.send(open, parsed.text);
  }

  /** Scrolls the message area (positive: towards older messages). */
  scroll(lines: number): void {
    this.seen.placed = true;
    this.model.dispatch({ type: "scroll", lines });
  }

  /** Scrolls by a page. */
  page(direction: 1 | -1): void {
    this.scroll(direction * Math.max(1, this.size.height - 6));
  }

  /** Alt-↑ (-1) / Alt-↓ (1): picks an older or newer message for /reply, /react, /edit, /delete; 0 (Esc) picks none. */
  select(step: 1 | -1 | 0): void {
    this.model.dispatch({ type: "select", step });
  }

  /** True while `/search` results are shown (↑↓ pick, Enter opens, Esc closes). */
  get searching(): boolean {
    return this.state.search !== undefined;
  }

  /** ↑ (-1) / ↓ (1) in the search results: picks a hit; past the last one, reads the next page. */
  pickHit(step: 1 | -1): void {
    const results = this.state.search;
    if (!results) return;
    if (step === 1 && this.state.searchPick >= results.hits.length - 1) void this.search.more();
    this.model.dispatch({ type: "searchPick", step });
  }

  /** Enter in the search results: opens the conversation at the picked hit, with the messages around it. */
  async openHit(): Promise<void> {
    const hit = this.state.search?.hits[this.state.searchPick]?.message;
    if (!hit) return;
    try {
      await this.model.openAt(hit.conversationId, hit.seq);
      // The hit goes in the middle of the view (not the "new messages" line), placed before the results close.
      this.model.dispatch({ type: "scrollTo", lines: scrollToFound({ ...this.state, search: undefined }, this.size, Date.now()) ?? 0 });
      this.seen.placed = true;
      this.search.clear();
    } catch (err) {
      this.notice(`could not open that message: ${userMessage(err)}`);
    }
  }

  /** Esc in the search results: back to the conversation. */
  closeSearch(): void {
    this.search.clear();
  }

  /** Opens the next or previous conversation. */
  cycle(step: 1 | -1): void {
    this.model.dispatch({ type: "cycle", step });
  }

  /** Alt-A: opens the next conversation with unread messages. */
  nextUnread(): void {
    const id = nextUnread(this.state);
    if (!id) return this.notice("nothing unread");
    this.model.dispatch({ type: "open", conversationId: id });
  }

  private setInput(text: string, cursor: number): void {
    this.model.dispatch({ type: "input", text, cursor });
    const open = this.state.openId;
    if (open && !text.startsWith("/")) this.model.draftChanged(open, text);
  }

  private notice(text: string): void {
    this.model.dispatch({ type: "notice", text });
  }

  /** The bell: for messages elsewhere, per the settings (direct messages and mentions of me by default). */
  private onNewMessage(m: Message, state: ViewState): void {
    if (this.settings.bell === "off" || !shouldNotify(state, m, state.openId)) return;
    const direct = state.conversations[m.conversationId]?.kind === "direct";
    if (this.settings.bell === "all" || direct || mentionsReader(shownMessage(m), state.me, state.names[state.me] ?? "")) this.options.bell?.();
  }

  /**
   * Effects of a new state that depend on the terminal: open a conversation at its "new messages"
   * line, keep a scrolled-up view still while new lines arrive below, read what is on screen, and
   * page in older history at the top.
   */
  private afterChange(): void {
    const s = this.state;
    if (s.search) return void (this.seen.anchor = undefined); // the results cover the conversation
    const lines = s.openId ? allLines(s, this.size, Date.now()) : [];
    if (s.openId !== this.seen.openId) {
      this.seen = { openId: s.openId, placed: false, anchor: undefined, gap: false };
    } else if (this.seen.anchor && (s.scroll > 0 || this.seen.gap || s.conversations[s.openId!]?.gapAfter !== undefined)) {
      // Lines came in below what the person reads (new messages, or the page after a search hit's
      // context): the view stays where it is. At the bottom, with nothing missing, it follows the newest.
      const at = lines.findLastIndex((l) => l.seq === this.seen.anchor!.seq);
      const grew = at < 0 ? 0 : lines.length - 1 - at - this.seen.anchor.below;
      if (grew !== 0) {
        this.seen.anchor = undefined;
        return this.model.dispatch({ type: "scroll", lines: grew });
      }
    }
    this.seen.anchor = anchorOf(screen(s, this.size, Date.now()).body, lines);
    this.seen.gap = s.openId !== undefined && s.conversations[s.openId]?.gapAfter !== undefined;
    // Until the person scrolls, the "new messages" line is kept in view while the replay arrives.
    const to = this.seen.placed ? undefined : scrollToMarker(s, this.size, Date.now());
    if (to !== undefined && to > 0) {
      this.seen.placed = true;
      return this.model.dispatch({ type: "scrollTo", lines: to });
    }
    const read = readUpTo(s, this.size, Date.now());
    if (read) this.model.markRead(read.conversationId, read.seq);
    if (wantsOlder(s, this.size)) void this.model.loadOlder(s.openId!);
    // The page goes in below the view, which stays put (see the anchor above).
    if (wantsNewer(s, this.size, Date.now())) void this.model.loadNewer(s.openId!);
  }



  private async run(command: SlashCommand): Promise<void> {
    const open = this.state.openId;
    try {
      switch (command.kind) {
        case "help":
          return this.model.dispatch({ type: "help", show: !this.state.showHelp });
        case "quit":
          return this.options.onQuit();
        case "new":
          return await this.model.openDirect(command.username === "me" ? this.state.names[this.state.me] ?? command.username : command.username);
        case "group":
          return await this.model.createGroup(command.name, command.usernames);
        case "add":
          if (!open) return this.notice("no conversation open");
          await this.model.addMembers(open, command.usernames);
          return this.notice(`added ${command.usernames.map((u) => `@${u}`).join(", ")}`);
        case "leave":
          if (!open) return this.notice("no conversation open");
          await this.model.leave(open);
          return this.notice("left the conversation");
        case "mute": {
          if (!open) return this.notice("no conversation open");
          await this.model.setMuted(open, command.muted, command.forMs);
          const until = this.state.conversations[open]?.mutedUntil;
          const end = until ? ` until ${new Date(until).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}` : "";
          return this.notice(command.muted ? `muted${end}: no push, no bell, not counted (on every device)` : "unmuted");
        }
        case "search":
          return await this.search.run({ query: command.query });
        case "seen":
          if (!open) return this.notice("no conversation open");
          return this.notice(seenBy(this.state, this.state.conversations[open]!));
        case "find":
          return this.notice(foundUsers(await this.model.searchUsers(command.query), command.query));
        case "reply":
        case "react":
        case "edit":
        case "delete":
        case "status":
        case "file":
          return await runMessageCommand(command, {
            model: this.model, files: this.options.clients, notice: (text) => this.notice(text), setInput: (text) => this.setInput(text, text.length),
          });
        case "compact":
          this.model.dispatch({ type: "compact", compact: !this.state.compact });
          return this.notice(this.state.compact ? "compact: no times, one line per message where it fits" : "times shown again");
      }
    } catch (err) {
      this.notice(userMessage(err));
    }
  }
}

/** The newest message on screen, and how many lines of all of them are below its last line; undefined when none is on screen. */
function anchorOf(body: BodyLine[], lines: BodyLine[]): { seq: bigint; below: number } | undefined {
  const seq = body.reduce<bigint | undefined>((top, l) => (l.seq !== undefined && (top === undefined || l.seq > top) ? l.seq : top), undefined);
  if (seq === undefined) return undefined;
  return { seq, below: lines.length - 1 - lines.findLastIndex((l) => l.seq === seq) };
}

/** The notice of `/find`: who matched, to pick one for `/new`. */
function foundUsers(users: User[], query: string): string {
  if (users.length === 0) return `nobody's name starts with "${query}"`;
  return `found: ${users.map((u) => userLine(u, undefined)).join(" · ")}${users.length === 8 ? " …" : ""} (/new @name to write)`;
}
