import { useEffect, useMemo, useState } from "preact/hooks";
import { type Account, signOut } from "../account.ts";
import { DesktopChat } from "../desktop-chat.ts";
import type { Platform } from "../platform.ts";
import { banner, type DesktopState, header, myName, sidebar } from "../view-model.ts";
import { NewConversationDialog } from "./new-conversation-dialog.tsx";
import { Composer, TimelineView } from "./timeline-view.tsx";

interface ChatViewProps {
  platform: Platform;
  account: Account;
  onSignedOut(notice: string): void;
}

/** True while the person can see the window. */
function windowFocused(): boolean {
  return document.visibilityState === "visible" && document.hasFocus();
}

/** The logged-in window: the conversation list on the left, the open conversation on the right. */
export function ChatView({ platform, account, onSignedOut }: ChatViewProps) {
  const chat = useMemo(() => new DesktopChat(platform.serverUrl, account, windowFocused()), [platform, account]);
  const { model } = chat;
  const [state, setState] = useState<DesktopState>(model.state);

  useEffect(() => {
    const stop = model.subscribe(setState);
    const focus = () => model.dispatch({ type: "focus", focused: windowFocused() });
    window.addEventListener("focus", focus);
    window.addEventListener("blur", focus);
    document.addEventListener("visibilitychange", focus);
    chat.start();
    return () => {
      stop();
      window.removeEventListener("focus", focus);
      window.removeEventListener("blur", focus);
      document.removeEventListener("visibilitychange", focus);
      void chat.close();
    };
  }, [chat]);

  useEffect(() => {
    // Closed for good means the token is no longer accepted: forget it and ask to log in again.
    if (state.connection === "closed") void platform.clearToken().then(() => onSignedOut(model.state.notice));
  }, [state.connection]);

  const logOut = async () => {
    await chat.close();
    // Logging out works offline too: the token is forgotten here whatever the server answers.
    await signOut(platform, account.token).catch((err) => console.warn("server sign-out failed", err));
    onSignedOut("");
  };

  const bar = banner(state);
  const head = header(state);
  const openId = state.openId;
  return (
    <div class="chat">
      <aside class="sidebar">
        <div class="me">
          <span class={`dot ${state.connection === "online" ? "on" : "off"}`} />
          <strong data-testid="me">{myName(state)}</strong>
          <button type="button" class="link" onClick={logOut}>Log out</button>
        </div>
        <div class="actions">
          <button type="button" onClick={() => model.dispatch({ type: "dialog", dialog: { kind: "direct", busy: false, error: "" } })}>+ Chat</button>
          <button type="button" onClick={() => model.dispatch({ type: "dialog", dialog: { kind: "group", busy: false, error: "" } })}>+ Group</button>
        </div>
        <ul class="conversations" aria-label="Conversations">
          {sidebar(state).map((row) => (
            <li key={row.id}>
              <button type="button" class={`conversation${row.selected ? " selected" : ""}`} data-testid="conversation" data-id={row.id}
                onClick={() => model.dispatch({ type: "open", conversationId: row.id })}>
                {row.kind === "direct" ? <span class={`dot ${row.online ? "on" : "off"}`} title={row.online ? "online" : "offline"} /> : <span class="hash">#</span>}
                <span class="conversation-text">
                  <span class="title">{row.title}</span>
                  <span class="preview">{row.preview}</span>
                </span>
                {row.unread > 0 && <span class="badge" data-testid="unread">{row.unread}</span>}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main class="pane">
        {bar && <div class={`banner ${bar.tone}`} role="status" data-testid="banner">{bar.text}</div>}
        {head && openId ? (
          <>
            <header class="pane-header">
              <h2>{head.title}</h2>
              <span class="detail" data-testid="presence">
                {head.online !== undefined && <span class={`dot ${head.online ? "on" : "off"}`} />}
                {head.detail}
              </span>
            </header>
            <TimelineView state={state} model={model} />
            <Composer key={openId} conversationId={openId} draft={state.drafts[openId] ?? ""} model={model} />
          </>
        ) : (
          <div class="empty">No conversation yet. Start one with <strong>+ Chat</strong> and a username.</div>
        )}
        {state.notice && state.connection !== "closed" && (
          <button type="button" class="notice" title="Dismiss" onClick={() => model.dispatch({ type: "notice", text: "" })}>{state.notice}</button>
        )}
      </main>
      {state.dialog && <NewConversationDialog dialog={state.dialog} model={model} />}
    </div>
  );
}
