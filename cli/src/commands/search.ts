import { timestampDate } from "@bufbuild/protobuf/wkt";
import { snippetText, UserDirectory } from "@chat/client";
import type { Conversation } from "@chat/gen/chat/v1/conversation_pb.js";
import type { SearchHit } from "@chat/gen/chat/v1/search_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { conversationTitle, formatTime, shownName, shownOf } from "../format.ts";
import { bodyText, oneLine } from "../message-text.ts";
import { resolveConversation } from "../targets.ts";
import type { GlobalOptions } from "./auth.ts";

/** Flags of `chat search`. */
export interface SearchOptions extends GlobalOptions {
  /** Searches this conversation only (@user, a group name or an id). */
  in?: string;
  /** How many hits to print at most (read a page of up to 100 at a time). */
  limit: number;
  json?: boolean;
}

/** The largest page the server serves. */
const maxPage = 100;

/**
 * Bold yellow for the words that matched, on a terminal that takes colours (not with NO_COLOR); plain
 * text for a pipe, so that `grep` and friends see the message as it was written.
 */
export function highlighter(out: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  return out.isTTY && !env.NO_COLOR ? (text) => `\x1b[1;33m${text}\x1b[22;39m` : (text) => text;
}

/**
 * `chat search <query> [--in <conversation>] [--limit n] [--json]`: the messages that match, newest
 * first, one line each: `<conversation>  #<seq> <time> @<sender>: <snippet>`. `chat history
 * <conversation> --around <seq>` then shows one in its context.
 */
export async function search(query: string, options: SearchOptions): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const only = options.in ? await resolveConversation(clients, options.in, config.userId) : undefined;
  const hits: SearchHit[] = [];
  let pageToken = "";
  do {
    const page = await clients.search.searchMessages({
      query, conversationId: only?.id ?? "", pageSize: Math.min(maxPage, options.limit - hits.length), pageToken,
    });
    hits.push(...page.hits);
    pageToken = page.nextPageToken;
  } while (pageToken && hits.length < options.limit);
  const conversations = new Map<string, Conversation>(only ? [[only.id, only]] : []);
  if (!only) for (const c of (await clients.conversations.listConversations({})).conversations) conversations.set(c.id, c);
  const users = new UserDirectory(clients.users);
  await users.load([...hits.map((h) => h.message?.senderId ?? ""), ...[...conversations.values()].flatMap((c) => c.members.map((m) => m.userId))].filter(Boolean));
  const title = (id: string) => {
    const c = conversations.get(id);
    return c ? conversationTitle(c, config.userId, users) : id;
  };
  if (hits.length === 0 && !options.json) process.stderr.write(`no message matches "${query}"\n`);
  const mark = highlighter(process.stdout);
  for (const hit of hits) console.log(options.json ? hitJson(hit, title, users) : hitLine(hit, title, users, mark));
}

/** `team  #42 2026-11-30 14:05 @alice: …the deploy failed at…`: the snippet, or for a hit without one (a filters-only query) the message's first line. */
export function hitLine(hit: SearchHit, title: (conversationId: string) => string, users: UserDirectory, mark: (text: string) => string): string {
  const m = shownOf(hit.message!);
  const text = hit.snippet.length ? snippetText(hit.snippet.map((p) => ({ ...p, text: p.text.replaceAll("\n", " ") })), mark) : oneLine(bodyText(m), 200);
  return `${title(hit.message!.conversationId)}  #${m.seq} ${formatTime(m.sentAt, "date")} ${shownName(m.senderId, users)}: ${text}`;
}

/** One hit as a line of JSON: where it is, who wrote it when, the snippet as text and as its parts, and the whole text. */
function hitJson(hit: SearchHit, title: (conversationId: string) => string, users: UserDirectory): string {
  const m = hit.message!;
  return JSON.stringify({
    conversation: title(m.conversationId).replace(/^@/, ""), seq: Number(m.seq), sender: users.get(m.senderId)?.username ?? "",
    sentAt: m.sentAt ? timestampDate(m.sentAt).toISOString() : undefined, snippet: snippetText(hit.snippet),
    highlights: hit.snippet.filter((p) => p.highlighted).map((p) => p.text), text: shownOf(m).text,
    conversationId: m.conversationId, senderId: m.senderId,
  });
}
