import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { MessageRecord, Store } from "../../engines/store/interface.ts";
import { type MessageSearch, positionOf, type SearchPosition, SearchTooBroad } from "../../engines/store/message-search.ts";
import type { Caller } from "../caller.ts";
import { invalidArgument, notFound, resourceExhausted } from "../errors.ts";
import type { CurrentState } from "../messages/current-state.ts";
import { requireId } from "../validate.ts";
import { decodePageToken, encodePageToken } from "./page-token.ts";
import { type ParsedQuery, parseQuery } from "./query.ts";
import { hasPhrases, type SnippetPiece, snippetOf } from "./snippet.ts";

/** Page sizes of a search (search.proto). */
export const searchPageLimits = { max: 100, default: 20 };
/**
 * Store reads one page may make when phrases filter hits out: past them the page is returned short,
 * with a token that goes on after the last message read, so that no request does unbounded work.
 */
const maxReadsPerPage = 5;
/** Conversations read at once while resolving in:#name. */
const lookupConcurrency = 32;

/** What SearchMessages asks. */
export interface SearchRequest {
  query: string;
  /** Empty for every conversation of the caller's. */
  conversationId: string;
  pageSize: number;
  pageToken: string;
}

/** One found message, as history serves it, with its snippet. */
export interface SearchHit {
  message: Message;
  snippet: SnippetPiece[];
}

/** One page of hits, newest first. */
export interface SearchPage {
  hits: SearchHit[];
  /** "" after the last page. */
  nextPageToken: string;
}

/**
 * Message search (SearchService): parses the query, resolves which conversations the caller may
 * search right now (membership read from the store at each call, so that a removed member finds
 * nothing at once), asks the store for a page, checks phrases on the text, and serves the hits in
 * their current state with snippets.
 */
export class MessageSearchService {
  private readonly store: Store;
  private readonly current: CurrentState;

  constructor(store: Store, current: CurrentState) {
    this.store = store;
    this.current = current;
  }

  /** One page of a search by `caller`. */
  async search(caller: Caller, req: SearchRequest): Promise<SearchPage> {
    if (req.pageSize > searchPageLimits.max) throw invalidArgument(`page_size is at most ${searchPageLimits.max}`);
    const limit = req.pageSize || searchPageLimits.default;
    const query = parseQuery(req.query);
    const after = req.pageToken ? decodePageToken(req.pageToken) : undefined;
    const conversationIds = await this.conversationsOf(caller, req.conversationId, query);
    const senderIds = query.from.length > 0 ? await this.userIds(query.from) : undefined;
    const search = {
      words: query.words, prefixes: query.prefixes, conversationIds, senderIds, has: query.has,
      sentFrom: query.sentFrom, sentUntil: query.sentUntil,
    };
    const { records, next } = await this.read(search, query, after, limit);
    return { hits: await this.serve(records, query), nextPageToken: next ? encodePageToken(next) : "" };
  }

  /**
   * Up to `limit` matching records from `after` on, and where the next page starts (undefined after
   * the last). One read of limit + 1 tells whether more follow; phrases may drop hits, then it reads on.
   */
  private async read(search: Omit<MessageSearch, "limit" | "after">, query: ParsedQuery, after: SearchPosition | undefined, limit: number,
  ): Promise<{ records: MessageRecord[]; next: SearchPosition | undefined }> {
    if (search.conversationIds.length === 0) return { records: [], next: undefined };
    const records: MessageRecord[] = [];
    let cursor = after;
    for (let read = 0; read < maxReadsPerPage; read++) {
      const batch = await this.store.searchMessages({ ...search, after: cursor, limit: limit + 1 }).catch(tooBroad);
      for (const record of batch) {
        if (records.length === limit) return { records, next: positionOfRecord(records.at(-1)!) };
        cursor = positionOfRecord(record);
        if (hasPhrases(record.text, query.phrases)) records.push(record);
      }
      if (batch.length <= limit) return { records, next: undefined };
    }
    // Read as much as a page may: the next one goes on after the last message read.
    return { records, next: cursor };
  }

  /**
   * The conversations searched: the caller's now (a bot token's within its scope), narrowed to
   * `conversationId` and to the in: filters. NotFound for one the caller is not a member of.
   */
  private async conversationsOf(caller: Caller, conversationId: string, query: ParsedQuery): Promise<string[]> {
    const scope = caller.scope?.conversationIds;
    let ids = (await this.store.listConversationIds(caller.userId)).filter((id) => !scope?.size || scope.has(id));
    if (conversationId) {
      requireId(conversationId, "conversation_id");
      if (!ids.includes(conversationId)) throw notFound(`conversation ${conversationId} not found`);
      ids = [conversationId];
    }
    if (query.inGroups.length + query.inDirect.length === 0) return ids;
    const named = new Set<string>();
    for (const id of await this.groupsNamed(ids, query.inGroups)) named.add(id);
    for (const username of query.inDirect) named.add(await this.directWith(caller, ids, username));
    return ids.filter((id) => named.has(id));
  }

  /** The groups among `ids` with one of the (lower-case) names; NotFound for a name none has. */
  private async groupsNamed(ids: readonly string[], names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const found: { id: string; name: string }[] = [];
    for (let i = 0; i < ids.length; i += lookupConcurrency) {
      const conversations = await Promise.all(ids.slice(i, i + lookupConcurrency).map((id) => this.store.getConversation(id)));
      for (const c of conversations) if (c?.kind === "group") found.push({ id: c.id, name: c.name.toLowerCase() });
    }
    for (const name of names) if (!found.some((c) => c.name === name)) throw notFound(`in:#${name}: you are in no group of that name`);
    return found.filter((c) => names.includes(c.name)).map((c) => c.id);
  }

  /** The caller's direct conversation with a user, among `ids`; NotFound when there is none. */
  private async directWith(caller: Caller, ids: readonly string[], username: string): Promise<string> {
    const missing = () => notFound(`in:@${username}: you have no direct conversation with that user`);
    const other = await this.store.getUserByUsername(username);
    if (!other) throw missing();
    const theirs = new Set(await this.store.listConversationIds(other.id));
    const shared = ids.filter((id) => theirs.has(id));
    const conversations = await Promise.all(shared.map((id) => this.store.getConversation(id)));
    const direct = conversations.find((c) => c?.kind === "direct");
    if (!direct || other.id === caller.userId) throw missing();
    return direct.id;
  }

  /** Ids of the named users; an unknown name selects no one (so a from: of only unknown names finds nothing). */
  private async userIds(usernames: readonly string[]): Promise<string[]> {
    const users = await Promise.all(usernames.map((u) => this.store.getUserByUsername(u)));
    return users.filter((u) => u !== undefined).map((u) => u.id);
  }

  /** The hits as history serves them (one batched current-state read per conversation), in order. */
  private async serve(records: readonly MessageRecord[], query: ParsedQuery): Promise<SearchHit[]> {
    const byConversation = new Map<string, MessageRecord[]>();
    for (const r of records) byConversation.set(r.conversationId, [...(byConversation.get(r.conversationId) ?? []), r]);
    const served = new Map<MessageRecord, Message>();
    for (const group of byConversation.values()) {
      const messages = await this.current.serve(group);
      group.forEach((r, i) => served.set(r, messages[i]!));
    }
    return records.map((r) => ({ message: served.get(r)!, snippet: snippetOf(r.text, query) }));
  }
}

function positionOfRecord(r: MessageRecord): SearchPosition {
  return positionOf(r.sentAt, r.conversationId, r.seq);
}

/** The store's refusal of a search past its work bound (the cluster store's, docs/search.md): ResourceExhausted. */
function tooBroad(err: unknown): never {
  throw err instanceof SearchTooBroad ? resourceExhausted(err.message) : err;
}
