import { userMessage } from "@chat/client";
import { useEffect, useMemo, useState } from "preact/hooks";
import { type Account, signOut } from "../account.ts";
import { DesktopChat } from "../desktop-chat.ts";
import type { Platform } from "../platform.ts";
import { myStatus, type PresenceDot, presenceDot } from "../status-view.ts";
import { banner, type DesktopState, header, myName, sidebar, unreadCount, windowTitle } from "../view-model.ts";
import { unsubscribeWebPush } from "../web-push.ts";
import { Composer } from "./composer.tsx";
import { MuteControl } from "./mute-control.tsx";
import { NotificationSettingsView } from "./notification-settings-view.tsx";
import { SearchPanel } from "./search-panel.tsx";
import { NewConversationDialog } from "./new-conversation-dialog.tsx";
import { StatusEditor } from "./status-editor.tsx";
import { Switcher } from "./switcher.tsx";
import { TimelineView } from "./timeline-view.tsx";

interface ChatViewProps {
  platform: Platform;
  account: Account;
  onSignedOut(notice: string): void;
}

/** The dot of a presence: filled (online), half (away), square (busy), hollow (offline): shape as well as colour. */
function Dot({ dot, label }: { dot: PresenceDot; label?: string }) {
  const cls = dot === "online" ? "on" : dot === "offline" ? "off" : dot;
  return label === undefined
    ? <span class={`dot ${cls}`} aria-hidden="true" />
    : <span class={`dot ${cls}`} role="img" aria-label={label} title={label} />;
}

/** Input that counts as the person being here (for "away after N idle minutes"). */
const activityEvents = ["keydown", "mousedown", "mousemove", "wheel", "touchstart", "focus"] as const;

/** True while the person can see the window. */
function windowFocused(): boolean {
  return document.visibilityState === "visible" && document.hasFocus();
}

/**
 * The logged-in window: the conversation list on the left, the open conversation on the right; on
 * a narrow window (a phone, a side panel) one of the two at a time, with a way back to the list.
 */
export function ChatView({ platform, account, onSignedOut }: ChatViewProps) {
  // Electron's renderer has a PushManager but no push service behind it: the shell needs its own route (desktop/README.md).
  const chat = useMemo(() => new DesktopChat(platform.serverUrl, account, windowFocused(), platform.kind !== "electron"), [platform, account]);
  const { model } = chat;
  const [state, setState] = useState<DesktopState>(model.state);
  const [permission, setPermission] = useState(chat.notifier.permission);

  useEffect(() => {
    const stop = model.subscribe(setState);
    const focus = () => model.dispatch({ type: "focus", focused: windowFocused() });
    // Ctrl-K (⌘K) opens the conversation switcher from anywhere, as in Slack and Element.
    const keys = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        model.dispatch({ type: "switcher", query: model.state.switcher === undefined ? "" : undefined });
      }
    };
    const active = () => chat.idle.activity();
    window.addEventListener("focus", focus);
    window.addEventListener("blur", focus);
    window.addEventListener("keydown", keys);
    for (const event of activityEvents) window.addEventListener(event, active, { passive: true });
    document.addEventListener("visibilitychange", focus);
    chat.start();
    return () => {
      stop();
      for (const event of activityEvents) window.removeEventListener(event, active);
      window.removeEventListener("focus", focus);
      window.removeEventListener("blur", focus);
      window.removeEventListener("keydown", keys);
      document.removeEventListener("visibilitychange", focus);
      void chat.close();
    };
  }, [chat]);

  useEffect(() => {
    // Closed for good means the token is no longer accepted: forget it and ask to log in again.
    if (state.connection === "closed") void platform.clearToken().then(() => onSignedOut(model.state.notice));
  }, [state.connection]);

  // The unread count in the tab's title and on the dock icon.
  const title = windowTitle(state);
  useEffect(() => {
    document.title = title;
    platform.setBadgeCount(unreadCount(state));
  }, [title]);

  const logOut = async () => {
    await chat.close();
    // The server forgets this device's endpoint with its token; the browser's subscription goes too.
    await unsubscribeWebPush().catch((err) => console.warn("could not end the push subscription", err));
    // Logging out works offline too: the token is forgotten here whatever the server answers.
    await signOut(platform, account.token).catch((err) => console.warn("server sign-out failed", err));
    onSignedOut("");
  };
  const enableNotifications = async () => {
    try {
      const answer = await chat.notifier.askPermission();
      setPermission(answer);
      if (answer === "granted") await chat.notifications.registerPush();
    } catch (err) {
      model.dispatch({ type: "notice", text: userMessage(err) });
    }
  };

  const bar = banner(state);
  const mine = myStatus(state);
  const head = header(state);
  const openId = state.openId;
  return (
    <div class={`chat ${state.showList || !openId ? "list-first" : "pane-first"}`}>
      <aside class="sidebar" aria-label="Conversations">
        <div class="me">
          <Dot dot={mine.dot} label={state.connection === "online" ? mine.label : "not connected"} />
          <span class="me-text">
            <strong data-testid="me">{myName(state)}</strong>
            <button type="button" class="link my-status" data-testid="my-status" title="Set your status"
              onClick={() => model.dispatch({ type: "statusEditor", open: !state.statusEditor })}>{mine.label}</button>
          </span>
          <button type="button" class="link" onClick={logOut}>Log out</button>
        </div>
        <div class="actions">
          <button type="button" onClick={() => model.dispatch({ type: "dialog", dialog: { kind: "direct", busy: false, error: "" } })}>+ Chat</button>
          <button type="button" onClick={() => model.dispatch({ type: "dialog", dialog: { kind: "group", busy: false, error: "" } })}>+ Group</button>
        </div>
        {permission === "default" && (
          <button type="button" class="link enable-notifications" onClick={enableNotifications}>Turn on desktop notifications</button>
        )}
        <SearchPanel chat={chat} state={state}>
        <ul class="conversations">
          {sidebar(state).map((row) => (
            <li key={row.id}>
              <button type="button" class={`conversation${row.selected ? " selected" : ""}${row.muted ? " muted" : ""}`} data-testid="conversation" data-id={row.id}
                onClick={() => chat.open(row.id)}>
                {row.presence !== undefined
                  ? <Dot dot={row.presence} label={row.statusText ? `${row.presence} · ${row.statusText}` : row.presence} />
                  : <span class="hash" aria-hidden="true">{row.kind === "group" ? "#" : "✎"}</span>}
                <span class="conversation-text">
                  <span class="title-row">
                    <span class="title">{row.title}</span>{row.bot && <span class="bot-tag">bot</span>}
                    {row.muted && <span class="muted-icon" data-testid="muted-icon" title="Muted">🔕</span>}<span class="when">{row.when}</span>
                  </span>
                  <span class="preview">{row.statusText && <span class="row-status" data-testid="row-status">{row.statusText} · </span>}{row.preview}</span>
                </span>
                {row.mentions > 0 && <span class="badge mention" data-testid="mentions" title={`${row.mentions} mention${row.mentions === 1 ? "" : "s"} of you`}>@{row.mentions > 1 ? row.mentions : ""}</span>}
                {row.unread > 0 && <span class="badge" data-testid="unread" title={`${row.unread} unread`}>{row.unread}</span>}
              </button>
            </li>
          ))}
        </ul>
        </SearchPanel>
        <label class="compact-toggle">
          <input type="checkbox" checked={state.compact} onChange={(e) => model.dispatch({ type: "compact", compact: e.currentTarget.checked })} />
          Compact messages
        </label>
        <NotificationSettingsView chat={chat} />
      </aside>
      <main class="pane">
        {bar && <div class={`banner ${bar.tone}`} role="status" data-testid="banner">{bar.text}</div>}
        {head && openId ? (
          <>
            <header class="pane-header">
              <button type="button" class="back" aria-label="Back to conversations" onClick={() => model.dispatch({ type: "showList", show: true })}>‹</button>
              <h2>{head.title}</h2>
              <span class="detail" data-testid="presence">
                {head.online !== undefined && <Dot dot={presenceDot(state, head.peer)} />}
                {head.detail}
              </span>
              <MuteControl chat={chat} state={state} conversationId={openId} />
            </header>
            <TimelineView state={state} chat={chat} />
            <Composer key={openId} conversationId={openId} state={state} chat={chat} />
          </>
        ) : (
          <div class="empty"><p>No conversation yet. Start one with <strong>+ Chat</strong> and a username.</p></div>
        )}
        {state.notice && state.connection !== "closed" && (
          <button type="button" class="notice" title="Dismiss" onClick={() => model.dispatch({ type: "notice", text: "" })}>{state.notice}</button>
        )}
      </main>
      {state.dialog && <NewConversationDialog dialog={state.dialog} model={model} />}
      {state.switcher !== undefined && <Switcher state={state} model={model} />}
      {state.statusEditor && <StatusEditor state={state} model={model} />}
    </div>
  );
}
