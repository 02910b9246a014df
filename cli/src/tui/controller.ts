import { type ChatClients, ChatModel, type LiveSession, type UserDirectory } from "@chat/client";
import { describeError } from "../errors.ts";
import { readUpTo, type ScreenSize, wantsOlder } from "./screen.ts";
import { parseInput, type SlashCommand } from "./slash-commands.ts";
import { type Action, initialState, reduce, type ViewState } from "./view-model.ts";

/** What the controller drives. */
export interface ControllerOptions {
  session: LiveSession;
  clients: ChatClients;
  users: UserDirectory;
  /** The logged-in user's id. */
  me: string;
  /** Called when the person asks to quit (/quit). */
  onQuit(): void;
}

/**
 * The interactive client's behaviour: the shared `ChatModel` (live events, sends, marks, history)
 * plus the keyboard, the slash commands, and what depends on the terminal: what is on screen gets
 * marked read, and scrolling to the top reads older history. The Ink components only draw `state`
 * and call the key methods.
 */
export class ChatController {
  private readonly options: ControllerOptions;
  private readonly model: ChatModel<ViewState, Action>;
  private size: ScreenSize = { width: 80, height: 24 };

  constructor(options: ControllerOptions) {
    this.options = options;
    this.model = new ChatModel<ViewState, Action>({
      session: options.session,
      clients: options.clients,
      users: options.users,
      state: initialState(options.me),
      reduce,
      // A session closes for good only when the token is no longer valid: say what to do.
      closedNotice: (error) => `${describeError(error)}; quit (Ctrl-C) and run \`chat login\``,
    });
    this.model.subscribe(() => this.afterChange());
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
  }

  /** Stops listening and closes the session. */
  async close(): Promise<void> {
    await this.model.close();
  }

  /** The terminal was resized. */
  resize(size: ScreenSize): void {
    this.size = size;
    this.afterChange();
  }

  /** The input line changed (a key was typed or erased). */
  edit(text: string): void {
    this.model.dispatch({ type: "input", text });
    const open = this.state.openId;
    if (open && !text.startsWith("/")) this.model.draftChanged(open, text);
  }

  /** Enter: sends the line, or runs the command on it. */
  submit(): void {
    const line = this.state.input;
    if (line.trim() === "") return;
    this.model.dispatch({ type: "input", text: "" });
    const parsed = parseInput(line);
    if (parsed.kind === "invalid") return this.notice(parsed.message);
    if (parsed.kind === "command") return void this.run(parsed.command);
    const open = this.state.openId;
    if (!open) return this.notice("no conversation open: /new @username first");
    this.model.send(open, parsed.text);
  }

  /** Scrolls the message area (positive: towards older messages). */
  scroll(lines: number): void {
    this.model.dispatch({ type: "scroll", lines });
  }

  /** Scrolls by a page. */
  page(direction: 1 | -1): void {
    this.scroll(direction * Math.max(1, this.size.height - 6));
  }

  /** Opens the next or previous conversation. */
  cycle(step: 1 | -1): void {
    this.model.dispatch({ type: "cycle", step });
  }

  private notice(text: string): void {
    this.model.dispatch({ type: "notice", text });
  }

  /** Effects of a new state that depend on the terminal: read what is on screen, page in history. */
  private afterChange(): void {
    const read = readUpTo(this.state);
    if (read) this.model.markRead(read.conversationId, read.seq);
    if (wantsOlder(this.state, this.size)) void this.model.loadOlder(this.state.openId!);
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
          return await this.model.openDirect(command.username);
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
      }
    } catch (err) {
      this.notice(describeError(err));
    }
  }
}
