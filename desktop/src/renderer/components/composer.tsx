import { describeError } from "@chat/client";
import { useEffect, useRef } from "preact/hooks";
import type { DesktopChat } from "../desktop-chat.ts";
import { composeBar, uploadsShown } from "../status-view.ts";
import type { DesktopState } from "../view-model.ts";

/**
 * The send box: Enter sends, Shift+Enter starts a new line, Escape drops a reply or an edit under
 * way. Above it, what it is doing ("Replying to @bob: …", "Editing your message") and the uploads'
 * progress; 📎 picks files, which are uploaded and sent with the text as their caption.
 */
export function Composer({ conversationId, state, chat }: { conversationId: string; state: DesktopState; chat: DesktopChat }) {
  const { model } = chat;
  const box = useRef<HTMLTextAreaElement>(null);
  const draft = state.drafts[conversationId] ?? "";
  const mode = state.compose?.conversationId === conversationId ? state.compose : undefined;
  const bar = composeBar(state);
  // Opening a conversation, or starting a reply or an edit, puts the cursor in the send box.
  useEffect(() => box.current?.focus(), [mode?.kind, mode?.seq]);
  const done = () => model.dispatch({ type: "compose", conversationId, mode: undefined, draft: "" });
  const send = () => {
    const text = draft.trim();
    if (!text) return;
    if (mode?.kind === "edit") {
      const seq = mode.seq;
      done();
      model.edit(conversationId, seq, text).catch((err) => model.dispatch({ type: "notice", text: `could not edit: ${describeError(err)}` }));
      return;
    }
    done();
    model.send(conversationId, text, { replyToSeq: mode?.kind === "reply" ? mode.seq : undefined });
  };
  const attach = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const replyToSeq = mode?.kind === "reply" ? mode.seq : undefined;
    const caption = mode?.kind === "edit" ? "" : draft.trim();
    done();
    void chat.attach(conversationId, [...files], caption, replyToSeq);
  };
  return (
    <div class="composer-area">
      {uploadsShown(state).map((u) => (
        <div class={`upload${u.error ? " failed" : ""}`} key={u.id} data-testid="upload">
          {u.error
            ? <><span>{u.error}</span><button type="button" class="link" onClick={() => model.dispatch({ type: "uploadEnd", id: u.id })}>Dismiss</button></>
            : <><span class="file-name">{u.fileName}</span><progress max={100} value={u.percent} aria-label={`Uploading ${u.fileName}`} /><span>{u.percent}%</span></>}
        </div>
      ))}
      {bar && (
        <div class={`compose-bar ${bar.kind}`} data-testid="compose-bar">
          <span class="compose-text">{bar.text}</span>
          <button type="button" class="link" aria-label={bar.kind === "edit" ? "Cancel the edit" : "Cancel the reply"} onClick={done}>✕</button>
        </div>
      )}
      <form class="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <label class="attach" title="Attach files">
          <span aria-hidden="true">📎</span>
          <input type="file" multiple class="visually-hidden" aria-label="Attach files" data-testid="attach"
            onChange={(e) => { attach(e.currentTarget.files); e.currentTarget.value = ""; }} />
        </label>
        <textarea ref={box} rows={1} placeholder={mode?.kind === "edit" ? "Edit your message" : "Write a message"} aria-label="Message" value={draft} data-testid="composer"
          onInput={(e) => {
            const text = e.currentTarget.value;
            model.dispatch({ type: "draft", conversationId, text });
            if (mode?.kind !== "edit") model.draftChanged(conversationId, text);
          }}
          onKeyDown={(e) => {
            if (e.key === "Escape" && mode) {
              e.preventDefault();
              done();
            } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }} />
        <button type="submit" class="primary" disabled={!draft.trim()}>{mode?.kind === "edit" ? "Save" : "Send"}</button>
      </form>
    </div>
  );
}
