import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type SearchResults, shownMessage, titleOf } from "@chat/client";
import type { SearchHit } from "@chat/gen/chat/v1/search_pb.js";
import { formatTime } from "../format.ts";
import { clipCells } from "./cells.ts";
import type { BodyLine } from "./message-lines.ts";
import type { ViewState } from "./view-model.ts";

/**
 * What `/search` shows in the message area: one row per hit (where, when, who, and the snippet with
 * the words that matched marked), the picked one inverted, and whether more can be read.
 */

/** The header above the results: `search "deploy" · 12 found`. */
export function searchHeader(results: SearchResults): string {
  const query = `search "${results.query?.query ?? ""}"`;
  if (results.error) return `${query} · ${results.error}`;
  if (results.loading && results.hits.length === 0) return `${query} · searching…`;
  return `${query} · ${results.hits.length}${results.nextPageToken ? "+" : ""} found`;
}

/** The footer while the results are shown. */
export const searchFooter = "↑↓ pick · Enter opens it in its conversation · Esc closes";

/** Every row of the results, newest first as the server orders them, then whether more can be read. */
export function searchLines(state: ViewState, results: SearchResults, width: number): BodyLine[] {
  if (results.hits.length === 0) {
    const text = results.loading ? "  searching…" : results.error ? `  ${results.error}` : "  no message matches";
    return [{ text, tone: results.error ? "error" : "info" }];
  }
  const lines = results.hits.map((hit, i) => hitRow(state, results, hit, i === state.searchPick, width));
  if (results.loading) lines.push({ text: "  loading more…", tone: "info" });
  else if (results.nextPageToken) lines.push({ text: "  ↓ more at the last hit", tone: "info" });
  return lines;
}

/** `› team · 11-30 14:05 @alice: …the deploy failed at…`, the matched words marked. */
function hitRow(state: ViewState, results: SearchResults, hit: SearchHit, picked: boolean, width: number): BodyLine {
  const m = hit.message!;
  const c = state.conversations[m.conversationId];
  const where = c ? titleOf(state, c) : m.conversationId.slice(0, 8);
  const when = m.sentAt ? formatTime(timestampDate(m.sentAt), "date").slice(5) : "";
  const sender = results.names[m.senderId] ? `@${results.names[m.senderId]}` : m.senderId.slice(0, 8);
  let text = `${picked ? "›" : " "} ${clipCells(where, 16)} · ${when} ${sender}: `;
  const marks: { start: number; end: number }[] = [];
  const parts = hit.snippet.length ? hit.snippet : [{ text: shownMessage(m).text, highlighted: false }];
  for (const part of parts) {
    const piece = part.text.replace(/\s+/g, " ");
    if (part.highlighted) marks.push({ start: text.length, end: text.length + piece.length });
    text += piece;
  }
  return { text: clipCells(text, width), tone: "other", seq: m.seq, marks, ...(picked ? { selected: true } : {}) };
}
