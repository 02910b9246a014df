import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type ChatState, relativeTime, type SearchResults, shownMessage, titleOf } from "@chat/client";

/**
 * What the search box shows, derived from the results of `MessageSearch` and the chat state: pure
 * data, tested without a browser; `components/search-panel.tsx` lays it out.
 */

/** One part of a snippet: the words the query matched are highlighted. */
export interface SnippetRun {
  text: string;
  highlighted: boolean;
}

/** One message found. */
export interface SearchRow {
  key: string;
  conversationId: string;
  seq: bigint;
  /** Where it was written: "#team", "@bob", "Note to self". */
  where: string;
  /** "@alice", or "you". */
  sender: string;
  /** "5m", "Yesterday", "12 Nov". */
  when: string;
  /** The snippet (or, for a filters-only hit without one, the start of the text). */
  snippet: SnippetRun[];
}

/** The hits as rows, newest first. */
export function searchRows(state: ChatState, results: SearchResults, now = Date.now()): SearchRow[] {
  return results.hits.flatMap((hit) => {
    const m = hit.message;
    if (!m) return [];
    const c = state.conversations[m.conversationId];
    const where = c ? (c.kind === "group" ? `#${titleOf(state, c)}` : titleOf(state, c)) : "a conversation";
    const name = results.names[m.senderId] ?? state.names[m.senderId];
    const sender = m.senderId === state.me ? "you" : name ? `@${name}` : m.senderId.slice(0, 8);
    const snippet = hit.snippet.length ? hit.snippet.map((p) => ({ text: p.text, highlighted: p.highlighted })) : [{ text: shownMessage(m).text.slice(0, 200), highlighted: false }];
    return [{ key: `${m.conversationId}:${m.seq}`, conversationId: m.conversationId, seq: m.seq, where, sender, when: m.sentAt ? relativeTime(timestampMs(m.sentAt), now) : "", snippet }];
  });
}

/** The line above the results: "Searching…", "No message matches", "12 messages", or why the search failed. */
export function searchSummary(results: SearchResults): string {
  if (results.error) return results.error;
  if (results.loading && results.hits.length === 0) return "Searching…";
  if (results.hits.length === 0) return "No message matches.";
  const n = results.hits.length;
  return `${n}${results.nextPageToken ? "+" : ""} message${n === 1 ? "" : "s"}`;
}
