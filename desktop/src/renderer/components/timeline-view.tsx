import type { ChatModel, TextPart } from "@chat/client";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { type DesktopAction, type DesktopState, statusLabel, type TimelineItem, timeline } from "../view-model.ts";

type Model = ChatModel<DesktopState, DesktopAction>;

/** Pixels from the bottom that still count as "at the newest message". */
const bottomSlack = 24;
/** Pixels from the top at which the page before the oldest message is read. */
const topSlack = 80;

/**
 * The open conversation's messages. Opens at the "New messages" line; follows new messages while
 * the person is at the bottom; keeps the view where it was while they read further up, also when
 * older messages are added above. Reports the newest message in view, which is what gets read.
 */
export function TimelineView({ state, model }: { state: DesktopState; model: Model }) {
  const view = timeline(state, Date.now())!;
  const ref = useRef<HTMLDivElement>(null);
  const fromBottom = useRef(0);
  /** The conversation whose "New messages" line was scrolled to (once per opening). */
  const placed = useRef<string | undefined>(undefined);
  const openId = state.openId!;

  const loadOlderIfNear = (el: HTMLElement) => {
    if (view.top === "more" && el.scrollTop < topSlack) void model.loadOlder(openId);
  };

  /** The newest message whose top is inside the visible part of the list. */
  const reportSeen = (el: HTMLElement) => {
    const bottom = el.getBoundingClientRect().bottom;
    const shown = [...el.querySelectorAll<HTMLElement>("[data-seq]")].filter((m) => m.getBoundingClientRect().top < bottom - 8).at(-1);
    model.dispatch({ type: "seen", seq: shown ? BigInt(shown.dataset.seq!) : undefined });
  };

  useLayoutEffect(() => {
    const el = ref.current!;
    const marker = el.querySelector<HTMLElement>(".marker");
    if (marker && placed.current !== openId && marker.offsetTop > el.clientHeight / 2) {
      // Opened with unread messages above the fold: start at the first of them.
      placed.current = openId;
      el.scrollTop = marker.offsetTop - 8;
      fromBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop;
      model.dispatch({ type: "scrolled", atBottom: fromBottom.current <= bottomSlack });
    } else {
      el.scrollTop = state.atBottom ? el.scrollHeight : el.scrollHeight - el.clientHeight - fromBottom.current;
    }
    // A short conversation does not scroll: read older pages until it does or nothing is older.
    if (el.scrollHeight <= el.clientHeight) loadOlderIfNear(el);
    reportSeen(el);
  });

  const onScroll = () => {
    const el = ref.current!;
    placed.current = openId; // the person scrolls: leave the view where they put it
    fromBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop;
    model.dispatch({ type: "scrolled", atBottom: fromBottom.current <= bottomSlack });
    loadOlderIfNear(el);
    reportSeen(el);
  };

  const group = state.conversations[openId]?.kind === "group";
  return (
    <div class={`timeline${state.compact ? " compact" : ""}`} ref={ref} onScroll={onScroll} data-testid="timeline" role="log" aria-live="polite">
      <div class="timeline-top">{view.top === "loading" ? "Loading older messages…" : view.top === "start" ? "This is the start of the conversation." : ""}</div>
      {view.items.map((m) => (
        <>
          {m.dayBefore && <div class="day" key={`d${m.key}`}>{m.dayBefore}</div>}
          {m.systemBefore.map((text, i) => <div class="system" key={`y${m.key}-${i}`} data-testid="system-line">{text}</div>)}
          {m.markerBefore && <div class="marker" key={`n${m.key}`} data-testid="new-messages">New messages</div>}
          <Bubble key={m.key} m={m} group={group} seenBy={m.status ? view.seenBy : ""} />
        </>
      ))}
      {view.systemAfter.map((text, i) => <div class="system" key={`y-end-${i}`} data-testid="system-line">{text}</div>)}
      <div class="typing" data-testid="typing">{view.typing}</div>
    </div>
  );
}

/**
 * One message: the sender's name (in their colour, "bot" after a bot's) on the first of a run in a
 * group, the text, time and status. In a group the status is a button: who read it, by name.
 */
function Bubble({ m, group, seenBy }: { m: TimelineItem; group: boolean; seenBy: string }) {
  const [showSeen, setShowSeen] = useState(false);
  const classes = ["message", m.own ? "own" : "other", m.firstOfRun ? "first" : "", m.status === "failed" ? "failed" : "", m.mentionsMe ? "mention" : ""];
  const status = m.status && (seenBy
    ? <button type="button" class={`status ${m.status}`} data-testid="status" aria-expanded={showSeen} title="Who has read it"
      onClick={() => setShowSeen(!showSeen)}>{statusLabel[m.status]}</button>
    : <span class={`status ${m.status}`} data-testid="status" title={m.error || m.status}>{statusLabel[m.status]}</span>);
  return (
    <div class={classes.filter(Boolean).join(" ")} data-testid="message" data-seq={m.key.startsWith("s") ? m.key.slice(1) : undefined}>
      {group && !m.own && m.firstOfRun && <div class={`sender c${m.color}`}>{m.sender}{m.bot && <span class="bot-tag">bot</span>}</div>}
      <div class="text">{m.parts.map((p, i) => <Part key={i} part={p} />)}</div>
      {(m.firstOfRun && m.time) || m.status ? (
        <div class="meta">
          {m.firstOfRun && <span class="time">{m.time}</span>}
          {status}
        </div>
      ) : null}
      {showSeen && seenBy && <div class="seen-by" data-testid="seen-by">{seenBy}</div>}
    </div>
  );
}

/** A run of text: a mention stands out, a link opens in the browser (never inside the app). */
function Part({ part }: { part: TextPart }) {
  if (part.kind === "mention") return <span class={part.self ? "at self" : "at"}>{part.text}</span>;
  if (part.kind === "link") return <a href={part.href} target="_blank" rel="noopener noreferrer">{part.text}</a>;
  return <>{part.text}</>;
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
