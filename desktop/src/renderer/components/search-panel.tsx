import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { DesktopChat } from "../desktop-chat.ts";
import { searchRows, searchSummary } from "../search-view.ts";
import type { DesktopState } from "../view-model.ts";

/**
 * The search box at the top of the conversation list. Enter searches every conversation of mine (the
 * query syntax of search.proto: words, "a phrase", pre*, from:@bob, in:#team, has:file, dates); the
 * results then stand in for the list (`children`), newest first, the matched words highlighted, a page
 * at a time. A click opens the conversation at that message, with the messages around it; Esc or
 * Close brings the list back.
 */
export function SearchPanel({ chat, state, children }: { chat: DesktopChat; state: DesktopState; children: ComponentChildren }) {
  const [results, setResults] = useState(chat.search.results);
  const [query, setQuery] = useState("");
  const [opened, setOpened] = useState("");
  useEffect(() => chat.search.subscribe(setResults), [chat]);
  const close = () => {
    setQuery("");
    setOpened("");
    chat.search.clear();
  };
  const run = (e: Event) => {
    e.preventDefault();
    const q = query.trim();
    setOpened("");
    if (q) void chat.search.run({ query: q });
    else chat.search.clear();
  };
  return (
    <>
      <form class="search-box" onSubmit={run}>
        <input type="search" class="search-input" placeholder="Search messages" aria-label="Search messages" data-testid="search-input" value={query}
          onInput={(e) => setQuery(e.currentTarget.value)} onKeyDown={(e) => e.key === "Escape" && close()} />
      </form>
      {results.query === undefined ? children : (
        <div class="search-results" data-testid="search-results">
          <div class="search-summary">
            <span data-testid="search-summary" role="status">{searchSummary(results)}</span>
            <button type="button" class="link" onClick={close}>Close</button>
          </div>
          <ul class="hits">
            {searchRows(state, results).map((row) => (
              <li key={row.key}>
                <button type="button" class={`hit${row.key === opened ? " selected" : ""}`} data-testid="search-hit" data-id={row.conversationId} data-seq={row.seq.toString()}
                  onClick={() => {
                    setOpened(row.key);
                    void chat.openHit(row.conversationId, row.seq);
                  }}>
                  <span class="title-row"><span class="hit-title">{row.where}</span><span class="hit-when">{row.when}</span></span>
                  <span class="hit-snippet">
                    <span class="hit-sender">{row.sender}: </span>
                    {row.snippet.map((part, i) => (part.highlighted ? <mark key={i}>{part.text}</mark> : part.text))}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {results.nextPageToken && (
            <button type="button" class="more-hits" data-testid="more-hits" disabled={results.loading} onClick={() => void chat.search.more()}>
              {results.loading ? "Loading…" : "More results"}
            </button>
          )}
        </div>
      )}
    </>
  );
}
