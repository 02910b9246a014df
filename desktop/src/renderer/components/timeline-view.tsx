import { Fragment } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { DesktopChat } from "../desktop-chat.ts";
import { timeline } from "../timeline.ts";
import type { DesktopState } from "../view-model.ts";
import { Bubble } from "./message-bubble.tsx";

/** Pixels from the bottom that still count as "at the newest message". */
const bottomSlack = 24;
/** Pixels from the top at which the page before the oldest message is read. */
const topSlack = 80;

/**
 * The open conversation's messages. Opens at the "New messages" line; follows new messages while
 * the person is at the bottom; keeps the view where it was while they read further up, also when
 * older messages are added above. Reports the newest message in view, which is what gets read.
 */
export function TimelineView({ state, chat }: { state: DesktopState; chat: DesktopChat }) {
  const { model } = chat;
  const view = timeline(state, Date.now())!;
  const ref = useRef<HTMLDivElement>(null);
  const fromBottom = useRef(0);
  /** The conversation whose "New messages" line was scrolled to (once per opening). */
  const placed = useRef<string | undefined>(undefined);
  const openId = state.openId!;
  const gapAfter = state.conversations[openId]?.gapAfter;
  /** While newer messages are not all loaded (a search hit's context), the message at the top of the view and where it was: kept there as pages load below. */
  const anchor = useRef<{ conversationId: string; seq: string; top: number } | undefined>(undefined);
  const found = state.found?.conversationId === openId ? state.found.seq : undefined;

  const loadOlderIfNear = (el: HTMLElement) => {
    if (view.top === "more" && el.scrollTop < topSlack) void model.loadOlder(openId);
  };
  const loadNewerIfNear = (el: HTMLElement) => {
    if (gapAfter !== undefined && el.scrollHeight - el.clientHeight - el.scrollTop < topSlack) void model.loadNewer(openId);
  };
  const keepAnchor = (el: HTMLElement) => {
    const top = el.getBoundingClientRect().top;
    const first = [...el.querySelectorAll<HTMLElement>("[data-seq]")].find((m) => m.getBoundingClientRect().bottom > top);
    anchor.current = gapAfter !== undefined && first ? { conversationId: openId, seq: first.dataset.seq!, top: first.getBoundingClientRect().top - top } : undefined;
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
    } else if (anchor.current?.conversationId === openId && state.jumpTo === undefined) {
      // Newer messages came in below a search hit's context: the view stays on what the person reads.
      const held = el.querySelector<HTMLElement>(`[data-seq="${anchor.current.seq}"]`);
      if (held) el.scrollTop += held.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.current.top;
      fromBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop;
    } else {
      el.scrollTop = state.atBottom ? el.scrollHeight : el.scrollHeight - el.clientHeight - fromBottom.current;
    }
    if (state.jumpTo !== undefined) {
      // A click on a reply's quote: bring its parent into view and flash it.
      const parent = el.querySelector<HTMLElement>(`[data-seq="${state.jumpTo}"]`);
      model.dispatch({ type: "jump", seq: undefined });
      if (parent) {
        parent.scrollIntoView({ block: "center" });
        parent.classList.add("flash");
        parent.addEventListener("animationend", () => parent.classList.remove("flash"), { once: true });
        fromBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop;
      }
    }
    // A short conversation does not scroll: read older pages until it does or nothing is older.
    if (el.scrollHeight <= el.clientHeight) loadOlderIfNear(el);
    loadNewerIfNear(el);
    keepAnchor(el);
    reportSeen(el);
  });

  const onScroll = () => {
    const el = ref.current!;
    placed.current = openId; // the person scrolls: leave the view where they put it
    fromBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop;
    model.dispatch({ type: "scrolled", atBottom: fromBottom.current <= bottomSlack });
    loadOlderIfNear(el);
    loadNewerIfNear(el);
    keepAnchor(el);
    reportSeen(el);
  };

  const group = state.conversations[openId]?.kind === "group";
  /** The last message shown before the messages not loaded yet (the gap's place). */
  const lastBeforeGap = gapAfter !== undefined ? view.items.findLast((m) => m.seq !== undefined && m.seq <= gapAfter)?.seq : undefined;
  return (
    <>
      <div class={`timeline${state.compact ? " compact" : ""}`} ref={ref} onScroll={onScroll} data-testid="timeline" role="log" aria-live="polite">
        <div class="timeline-top">{view.top === "loading" ? "Loading older messages…" : view.top === "start" ? "This is the start of the conversation." : ""}</div>
        {/* Keyed by message: loading older pages prepends items, and an unkeyed fragment would be
            matched by index, remounting every row below (its images, its menu) at each page. */}
        {view.items.map((m) => (
          <Fragment key={m.key}>
            {m.dayBefore && <div class="day" key={`d${m.key}`}>{m.dayBefore}</div>}
            {m.systemBefore.map((text, i) => <div class="system" key={`y${m.key}-${i}`} data-testid="system-line">{text}</div>)}
            {m.markerBefore && <div class="marker" key={`n${m.key}`} data-testid="new-messages">New messages</div>}
            {m.system !== undefined
              ? <div class="system" key={m.key} data-testid="system-line" data-seq={m.seq?.toString()}>{m.system}</div>
              : <Bubble key={m.key} m={m} chat={chat} conversationId={openId} group={group} seenBy={m.status ? view.seenBy : ""} picking={state.picker === m.seq} found={m.seq !== undefined && m.seq === found} />}
            {gapAfter !== undefined && m.seq === lastBeforeGap && (
              <div class="gap" key={`g${m.key}`} data-testid="gap">Loading newer messages…</div>
            )}
          </Fragment>
        ))}
        {view.systemAfter.map((text, i) => <div class="system" key={`y-end-${i}`} data-testid="system-line">{text}</div>)}
        <div class="typing" data-testid="typing">{view.typing}</div>
      </div>
      {/* Pinned over the list, not in it: the gap moves down as newer pages load, and a button inside it
          moved (or went) under the pointer as it was reached. */}
      {gapAfter !== undefined && (
        <button type="button" class="jump-newest" data-testid="jump-newest" onClick={() => void chat.showNewest(openId)}>Jump to newest ↓</button>
      )}
    </>
  );
}
