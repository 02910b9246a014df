import { describeError, type TextPart } from "@chat/client";
import { useEffect, useState } from "preact/hooks";
import type { DesktopChat } from "../desktop-chat.ts";
import { type FileItem, pickerEmoji, type QuotedParent, type ReactionChip } from "../message-view.ts";
import { statusLabel, type TimelineItem } from "../timeline.ts";

/** What a bubble needs besides its item. */
interface BubbleProps {
  m: TimelineItem;
  chat: DesktopChat;
  conversationId: string;
  group: boolean;
  /** Who read my newest message (its receipt is a button then). */
  seenBy: string;
  /** The emoji picker is open on this message. */
  picking: boolean;
  /** The message opened from a search: highlighted while its conversation shows it. */
  found?: boolean;
}

/**
 * One message: the sender's name (in their colour, "bot" after a bot's) on the first of a run in a
 * group, the quoted parent of a reply, the text (or the tombstone), files, reactions, the time,
 * "edited" and the status; on hover or focus, its actions (reply, react, edit, delete).
 */
export function Bubble({ m, chat, conversationId, group, seenBy, picking, found = false }: BubbleProps) {
  const [showSeen, setShowSeen] = useState(false);
  const { model } = chat;
  const { body } = m;
  const classes = ["message", m.own ? "own" : "other", m.firstOfRun ? "first" : "", m.status === "failed" ? "failed" : "", m.mentionsMe ? "mention" : "", body.deleted ? "deleted" : "", found ? "found" : ""];
  const fail = (what: string) => (err: unknown) => model.dispatch({ type: "notice", text: `could not ${what}: ${describeError(err)}` });
  /** Toggles my reaction with `emoji` (the model knows whether I had it). */
  const react = (emoji: string) => {
    model.dispatch({ type: "picker", seq: undefined });
    if (m.seq !== undefined) model.react(conversationId, m.seq, emoji).catch(fail("react"));
  };
  const status = m.status && (seenBy
    ? <button type="button" class={`status ${m.status}`} data-testid="status" aria-expanded={showSeen} title="Who has read it"
      onClick={() => setShowSeen(!showSeen)}>{statusLabel[m.status]}</button>
    : <span class={`status ${m.status}`} data-testid="status" title={m.error || m.status}>{statusLabel[m.status]}</span>);
  return (
    <div class={classes.filter(Boolean).join(" ")} data-testid="message" data-seq={m.seq?.toString()}>
      {group && !m.own && m.firstOfRun && <div class={`sender c${m.color}`}>{m.sender}{m.bot && <span class="bot-tag">bot</span>}</div>}
      {body.reply && <Quote reply={body.reply} onJump={() => model.dispatch({ type: "jump", seq: body.reply!.seq })} />}
      {body.deleted
        ? <div class="text tombstone" data-testid="tombstone">This message was deleted</div>
        : m.text && <div class="text">{m.parts.map((p, i) => <Part key={i} part={p} />)}</div>}
      {body.files.length > 0 && <Files files={body.files} chat={chat} onError={fail("fetch the file")} />}
      {body.reactions.length > 0 && <Reactions chips={body.reactions} onToggle={react} />}
      {(m.firstOfRun && m.time) || m.status || body.edited ? (
        <div class="meta">
          {body.edited && <span class="edited" data-testid="edited">edited</span>}
          {(m.firstOfRun || body.edited) && m.time && <span class="time">{m.time}</span>}
          {status}
        </div>
      ) : null}
      {showSeen && seenBy && <div class="seen-by" data-testid="seen-by">{seenBy}</div>}
      {picking && (
        <div class="picker" role="menu" aria-label="Pick a reaction" data-testid="picker">
          {pickerEmoji.map((e) => (
            <button type="button" role="menuitem" key={e} onClick={() => react(e)}>{e}</button>
          ))}
        </div>
      )}
      <Toolbar m={m} chat={chat} conversationId={conversationId} picking={picking} onError={fail} />
    </div>
  );
}

/** The actions of a message, shown on hover or keyboard focus. Delete asks once more. */
function Toolbar({ m, chat, conversationId, picking, onError }: {
  m: TimelineItem; chat: DesktopChat; conversationId: string; picking: boolean; onError: (what: string) => (err: unknown) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { model } = chat;
  const seq = m.seq;
  if (seq === undefined || !(m.actions.reply || m.actions.react || m.actions.edit || m.actions.delete)) return null;
  return (
    <div class="toolbar" role="toolbar" aria-label="Message actions">
      {m.actions.reply && <button type="button" title="Reply" onClick={() => model.dispatch({ type: "compose", conversationId, mode: { kind: "reply", conversationId, seq } })}>↩ Reply</button>}
      {m.actions.react && <button type="button" title="React" aria-expanded={picking} onClick={() => model.dispatch({ type: "picker", seq: picking ? undefined : seq })}>☺ React</button>}
      {m.actions.edit && <button type="button" title="Edit" onClick={() => model.dispatch({ type: "compose", conversationId, mode: { kind: "edit", conversationId, seq }, draft: m.text })}>✎ Edit</button>}
      {m.actions.delete && (confirming
        ? <button type="button" class="danger" onClick={() => {
          setConfirming(false);
          model.remove(conversationId, seq).catch(onError("delete"));
        }}>Delete for everyone?</button>
        : <button type="button" title="Delete" onClick={() => setConfirming(true)}>🗑 Delete</button>)}
    </div>
  );
}

/** The parent of a reply, quoted; a click scrolls to it when it is loaded. */
function Quote({ reply, onJump }: { reply: QuotedParent; onJump: () => void }) {
  return (
    <button type="button" class={`quote${reply.deleted ? " deleted" : ""}`} data-testid="quote" disabled={!reply.loaded} onClick={onJump}
      title={reply.loaded ? "Show the message" : "Older than what is loaded"}>
      <span class="quote-sender">{reply.sender}</span> <span class="quote-text">{reply.text}</span>
    </button>
  );
}

/** Reaction chips: the emoji and how many; who on hover; a click toggles mine. */
function Reactions({ chips, onToggle }: { chips: ReactionChip[]; onToggle: (emoji: string) => void }) {
  return (
    <div class="reactions">
      {chips.map((r) => (
        <button type="button" key={r.emoji} class={`reaction${r.mine ? " mine" : ""}`} data-testid="reaction" title={r.who} aria-pressed={r.mine}
          onClick={() => onToggle(r.emoji)}>{r.emoji} {r.count}</button>
      ))}
    </div>
  );
}

/** A transparent pixel: what an image shows while its thumbnail loads (its box is already the right size). */
const blankPixel = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

/** Attachments: images inline from their thumbnail, other files as download links. */
function Files({ files, chat, onError }: { files: FileItem[]; chat: DesktopChat; onError: (err: unknown) => void }) {
  return (
    <div class="files">
      {files.map((f) => (f.image
        ? <Thumbnail key={f.id} file={f} box={f.image} chat={chat} onError={onError} />
        : (
          <button type="button" key={f.id} class="file" data-testid="file" title={`Download ${f.fileName}`} onClick={() => chat.files.download(f).catch(onError)}>
            <span aria-hidden="true">📎</span> <span class="file-name">{f.fileName}</span> <span class="file-size">{f.size}</span>
          </button>
        )))}
    </div>
  );
}

/** An inline image: its box reserved at once, the thumbnail fetched with the token; a click downloads the original. */
function Thumbnail({ file, box, chat, onError }: { file: FileItem; box: { width: number; height: number }; chat: DesktopChat; onError: (err: unknown) => void }) {
  const [src, setSrc] = useState<string | undefined>(undefined);
  useEffect(() => {
    let shown = true;
    chat.files.thumbnail(file.id).then((url) => shown && setSrc(url), (err) => shown && onError(err));
    return () => {
      shown = false;
    };
  }, [file.id]);
  return (
    <button type="button" class="image" title={`${file.fileName} (${file.size}): download`} onClick={() => chat.files.download(file).catch(onError)}>
      <img src={src ?? blankPixel} width={box.width} height={box.height} alt={file.fileName} data-testid="image" data-loaded={src ? "true" : "false"} />
    </button>
  );
}

/** A run of text: a mention stands out, a link opens in the browser (never inside the app). */
function Part({ part }: { part: TextPart }) {
  if (part.kind === "mention") return <span class={part.self ? "at self" : "at"}>{part.text}</span>;
  if (part.kind === "link") return <a href={part.href} target="_blank" rel="noopener noreferrer">{part.text}</a>;
  return <>{part.text}</>;
}
