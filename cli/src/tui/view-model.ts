import { type ChatAction, type ChatState, conversationOrder, initialChatState, reduceChat, type SearchResults } from "@chat/client";

/**
 * The interactive client's state: the shared chat state (`@chat/client`'s `ChatState`, fed by the
 * `ChatModel`) plus what only a terminal has, and the one function that changes it. Pure data and
 * pure functions: `screen.ts` derives what is drawn, and both are tested without a terminal.
 */

export { type ConversationState, conversationOrder, hasOlder } from "@chat/client";

/** Everything the interactive client shows. */
export interface ViewState extends ChatState {
  /** The text being written (may have several lines) and the cursor in it (a UTF-16 offset). */
  input: string;
  cursor: number;
  /** Lines scrolled up from the newest; 0 follows new messages. */
  scroll: number;
  showHelp: boolean;
  /** Messages without times, continuation rows barely indented (`/compact`, or `"compact": true` in tui.json). */
  compact: boolean;
  /** The message of the open conversation picked with Alt-↑/↓, for /reply, /react, /edit, /delete. */
  selected: bigint | undefined;
  /** The results of `/search`, shown in the message area until a hit is opened or Esc; undefined otherwise. */
  search: SearchResults | undefined;
  /** The hit picked with ↑/↓ in the results (Enter opens it). */
  searchPick: number;
}

/** What can happen to the state: the chat's actions and the terminal's own. */
export type Action =
  | ChatAction
  | { type: "cycle"; step: 1 | -1 }
  | { type: "scroll"; lines: number }
  | { type: "scrollTo"; lines: number }
  | { type: "input"; text: string; cursor: number }
  | { type: "help"; show: boolean }
  | { type: "compact"; compact: boolean }
  | { type: "select"; step: 1 | -1 | 0 }
  /** New search results (the first page picks the newest hit); undefined closes the results. */
  | { type: "search"; results: SearchResults | undefined }
  | { type: "searchPick"; step: 1 | -1 };

/** The state before anything is known. */
export function initialState(me: string): ViewState {
  return { ...initialChatState(me), input: "", cursor: 0, scroll: 0, showHelp: false, compact: false, selected: undefined, search: undefined, searchPick: 0 };
}

/** Applies one action; returns a new state (the old one is left as it was). */
export function reduce(state: ViewState, action: Action): ViewState {
  switch (action.type) {
    case "cycle": {
      const order = conversationOrder(state);
      if (order.length === 0) return state;
      const at = order.findIndex((c) => c.id === state.openId);
      const next = order[(at + action.step + order.length) % order.length]!;
      return reduce(state, { type: "open", conversationId: next.id });
    }
    case "scroll":
      return { ...state, scroll: Math.max(0, state.scroll + action.lines) };
    case "scrollTo":
      return { ...state, scroll: Math.max(0, action.lines) };
    case "input":
      return { ...state, input: action.text, cursor: Math.min(action.cursor, action.text.length) };
    case "help":
      return { ...state, showHelp: action.show };
    case "compact":
      return { ...state, compact: action.compact };
    case "select":
      return { ...state, selected: action.step === 0 ? undefined : selectFrom(state, action.step) };
    case "search": {
      const fresh = action.results?.query !== state.search?.query;
      return { ...state, search: action.results, searchPick: fresh ? 0 : Math.min(state.searchPick, Math.max(0, (action.results?.hits.length ?? 1) - 1)), showHelp: false };
    }
    case "searchPick": {
      const last = Math.max(0, (state.search?.hits.length ?? 1) - 1);
      return { ...state, searchPick: Math.min(last, Math.max(0, state.searchPick + action.step)) };
    }
    case "sending":
      // Sending jumps back to the newest line, where the message shows.
      return reduceChat({ ...state, scroll: 0 }, action);
    case "open":
      // Opening the conversation already open (`/new @bob` from inside it) keeps the picked message.
      if (!state.conversations[action.conversationId]) return state;
      return reduceChat({ ...state, scroll: 0, showHelp: false, selected: action.conversationId === state.openId ? state.selected : undefined }, action);
    case "left": {
      const next = reduceChat(state, action);
      return next.openId === state.openId ? next : { ...next, scroll: 0 };
    }
    default:
      return reduceChat(state, action);
  }
}

/**
 * The message Alt-↑ (-1: older) or Alt-↓ (1: newer) picks from the selection, starting at the
 * newest; past the newest, nothing is selected. System events and tombstones are skipped: there
 * is nothing to do with them.
 */
function selectFrom(state: ViewState, step: 1 | -1): bigint | undefined {
  const c = state.openId ? state.conversations[state.openId] : undefined;
  const pickable = (c?.messages ?? []).filter((m) => !m.system && !m.deleted);
  const at = state.selected === undefined ? pickable.length : pickable.findIndex((m) => m.seq === state.selected);
  const next = (at < 0 ? pickable.length : at) + step;
  return pickable[Math.max(0, next)] && next < pickable.length ? pickable[Math.max(0, next)]!.seq : undefined;
}
