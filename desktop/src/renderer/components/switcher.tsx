import type { ChatModel } from "@chat/client";
import { useState } from "preact/hooks";
import { type DesktopAction, type DesktopState, switcherRows } from "../view-model.ts";

/** Ctrl-K: type part of a name, ↑ ↓ to choose, Enter to open, Escape to close. */
export function Switcher({ state, model }: { state: DesktopState; model: ChatModel<DesktopState, DesktopAction> }) {
  const [at, setAt] = useState(0);
  const rows = switcherRows(state);
  const close = () => model.dispatch({ type: "switcher", query: undefined });
  const choose = (id: string | undefined) => id && model.dispatch({ type: "open", conversationId: id });
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes it from the keyboard (the input's onKeyDown)
    <div class="dialog-backdrop" role="dialog" aria-modal="true" aria-label="Switch conversation" onClick={(e) => e.target === e.currentTarget && close()}>
      <div class="dialog switcher">
        <input aria-label="Conversation" placeholder="Jump to a conversation" autofocus value={state.switcher}
          onInput={(e) => { model.dispatch({ type: "switcher", query: e.currentTarget.value }); setAt(0); }}
          onKeyDown={(e) => {
            if (e.key === "Escape") close();
            else if (e.key === "ArrowDown") setAt((i) => Math.min(i + 1, rows.length - 1));
            else if (e.key === "ArrowUp") setAt((i) => Math.max(i - 1, 0));
            else if (e.key === "Enter") choose(rows[at]?.id);
            else return;
            e.preventDefault();
          }} />
        <ul>
          {rows.map((row, i) => (
            <li key={row.id}>
              <button type="button" class={i === at ? "selected" : ""} aria-pressed={i === at} onClick={() => choose(row.id)}>
                {row.title}{row.unread > 0 ? ` (${row.unread})` : ""}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
