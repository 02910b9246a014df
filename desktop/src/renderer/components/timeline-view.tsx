import type { ChatModel } from "@chat/client";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { type DesktopAction, type DesktopState, statusLabel, timeline } from "../view-model.ts";

type Model = ChatModel<DesktopState, DesktopAction>;

/** Pixels from the bottom that still count as "at the newest message". */
const bottomSlack = 24;
/** Pixels from the top at which the page before the oldest message is read. */
const topSlack = 80;

/**
 * The open conversation's messages. Follows new messages while the person is at the bottom; keeps
 * the view where it was while they read further up, also when older messages are added above.
 */
export function TimelineView({ state, model }: { state: DesktopState; model: Model }) {
  const view = timeline(state, Date.now())!;
  const ref = useRef<HTMLDivElement>(null);
  const fromBottom = useRef(0);
  const openId = state.openId!;

  const loadOlderIfNear = (el: HTMLElement) => {
    if (view.top === "more" && el.scrollTop < topSlack) void model.loadOlder(openId);
  };

  useLayoutEffect(() => {
    const el = ref.current!;
    el.scrollTop = state.atBottom ? el.scrollHeight : el.scrollHeight - el.clientHeight - fromBottom.current;
    // A short conversation does not scroll: read older pages until it does or nothing is older.
    if (el.scrollHeight <= el.clientHeight) loadOlderIfNear(el);
  });

  const onScroll = () => {
    const el = ref.current!;
    fromBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop;
    model.dispatch({ type: "scrolled", atBottom: fromBottom.current <= bottomSlack });
    loadOlderIfNear(el);
  };

  const group = state.conversations[openId]?.kind === "group";
  return (
    <div class="timeline" ref={ref} onScroll={onScroll} data-testid="timeline">
      <div class="timeline-top">{view.top === "loading" ? "Loading older messages…" : view.top === "start" ? "This is the start of the conversation." : ""}</div>
      {view.items.map((m) => (
        <div key={m.key} class={`message ${m.own ? "own" : "other"}${m.firstOfRun ? " first" : ""}${m.status === "failed" ? " failed" : ""}`} data-testid="message">
          {group && !m.own && m.firstOfRun && <div class="sender">{m.sender}</div>}
          <div class="text">{m.text}</div>
          <div class="meta">
            <span class="time">{m.time}</span>
            {m.status && <span class={`status ${m.status}`} data-testid="status" title={m.error || m.status}>{statusLabel[m.status]}</span>}
          </div>
        </div>
      ))}
      <div class="typing" data-testid="typing">{view.typing}</div>
    </div>
  );
}

/** The send box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ conversationId, draft, model }: { conversationId: string; draft: string; model: Model }) {
  const box = useRef<HTMLTextAreaElement>(null);
  // Opening a conversation puts the cursor in its send box.
  useEffect(() => box.current?.focus(), []);
  const send = () => {
    const text = draft.trim();
    if (!text) return;
    model.dispatch({ type: "draft", conversationId, text: "" });
    model.send(conversationId, text);
  };
  return (
    <form class="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
      <textarea ref={box} rows={1} placeholder="Write a message" aria-label="Message" value={draft} data-testid="composer"
        onInput={(e) => {
          const text = e.currentTarget.value;
          model.dispatch({ type: "draft", conversationId, text });
          model.draftChanged(conversationId, text);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }} />
      <button type="submit" class="primary" disabled={!draft.trim()}>Send</button>
    </form>
  );
}
