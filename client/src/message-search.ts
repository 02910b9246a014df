import type { Client } from "@connectrpc/connect";
import type { SearchHit, SearchService, SnippetPart } from "@chat/gen/chat/v1/search_pb.js";
import { describeError } from "./describe-error.ts";
import { Listeners } from "./listeners.ts";
import type { UserDirectory } from "./user-directory.ts";
import { userMessage } from "./user-message.ts";

/** What to search for (see the query syntax in search.proto: words, "phrases", from:, in:, has:, dates). */
export interface SearchQuery {
  /** The query as typed, 1 to 256 characters. */
  query: string;
  /** Searches this conversation only; undefined searches every conversation of mine. */
  conversationId?: string | undefined;
  /** Hits per page, 1 to 100 (the server's default, 20, when undefined). */
  pageSize?: number | undefined;
}

/** A search as a screen shows it: the hits found so far, and whether more can be read. */
export interface SearchResults {
  /** The search these results answer; undefined before the first search (or after `clear`). */
  query: SearchQuery | undefined;
  /** The hits read so far, newest first. */
  hits: SearchHit[];
  /** The token of the next page; "" when the last page has been read. */
  nextPageToken: string;
  /** A page is being read. */
  loading: boolean;
  /** Why the last page could not be read, in words for a person (the server says what was wrong with a query); "" otherwise. */
  error: string;
  /** Usernames of the hits' senders, by user id. */
  names: Record<string, string>;
}

/** No search yet. */
export const noSearch: SearchResults = { query: undefined, hits: [], nextPageToken: "", loading: false, error: "", names: {} };

/**
 * At most this many hits are kept, whatever the paging: a person reads the first few pages, and a
 * screen must not grow without bound when something pages on and on.
 */
export const maxSearchHits = 500;

/**
 * Full-text search over my conversations (SearchService.SearchMessages), a page at a time, with the
 * senders' names looked up. A new search replaces the one before; an answer to an older search that
 * arrives late is dropped, so a person typing quickly sees the results of what they typed last.
 */
export class MessageSearch {
  private readonly search: Client<typeof SearchService>;
  private readonly users: UserDirectory;
  private readonly listeners = new Listeners<{ change: (results: SearchResults) => void }>();
  private current: SearchResults = noSearch;
  /** Counts searches so that a late answer to an earlier one is recognised. */
  private generation = 0;

  constructor(search: Client<typeof SearchService>, users: UserDirectory) {
    this.search = search;
    this.users = users;
  }

  /** The results as they are now. */
  get results(): SearchResults {
    return this.current;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: (results: SearchResults) => void): () => void {
    return this.listeners.on("change", listener);
  }

  /** Starts a search: reads its first page (the results say why when the server refused the query). */
  run(query: SearchQuery): Promise<void> {
    this.generation++;
    this.set({ ...noSearch, query, loading: true });
    return this.readPage("");
  }

  /** Reads the next page of the current search, when there is one and none is being read. */
  more(): Promise<void> {
    const { query, nextPageToken, loading, hits } = this.current;
    if (!query || !nextPageToken || loading || hits.length >= maxSearchHits) return Promise.resolve();
    this.set({ ...this.current, loading: true, error: "" });
    return this.readPage(nextPageToken);
  }

  /** Forgets the search (a closed search box). */
  clear(): void {
    this.generation++;
    this.set(noSearch);
  }

  private async readPage(pageToken: string): Promise<void> {
    const generation = this.generation;
    const query = this.current.query!;
    try {
      const res = await this.search.searchMessages({
        query: query.query, conversationId: query.conversationId ?? "", pageSize: query.pageSize ?? 0, pageToken,
      });
      const senders = res.hits.map((h) => h.message?.senderId ?? "").filter(Boolean);
      await this.users.load(senders).catch((err: unknown) => {
        // Names are cosmetic: a hit shows the sender's id rather than nothing.
        console.warn(`could not look up the senders of search hits: ${describeError(err)}`);
      });
      if (generation !== this.generation) return;
      const names = { ...this.current.names };
      for (const id of senders) {
        const user = this.users.get(id);
        if (user) names[id] = user.username;
      }
      const hits = [...this.current.hits, ...res.hits].slice(0, maxSearchHits);
      this.set({ ...this.current, hits, names, nextPageToken: hits.length >= maxSearchHits ? "" : res.nextPageToken, loading: false, error: "" });
    } catch (err) {
      if (generation !== this.generation) return;
      this.set({ ...this.current, loading: false, error: userMessage(err) });
    }
  }

  private set(results: SearchResults): void {
    this.current = results;
    this.listeners.emit("change", results);
  }
}

/**
 * A snippet as one string, each highlighted part passed through `mark` (ANSI reverse video in a
 * terminal, `[…]` in plain text); the parts are joined as they are (the server keeps the spaces).
 */
export function snippetText(parts: SnippetPart[], mark: (text: string) => string = (text) => text): string {
  return parts.map((p) => (p.highlighted ? mark(p.text) : p.text)).join("");
}
