import { type ChatModel, describeError } from "@chat/client";
import { useState } from "preact/hooks";
import { groupProblem, parseUsernames } from "../forms.ts";
import type { DesktopAction, DesktopState, Dialog } from "../view-model.ts";

/** Starts a direct conversation by @username, or creates a group. */
export function NewConversationDialog({ dialog, model }: { dialog: Dialog; model: ChatModel<DesktopState, DesktopAction> }) {
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const direct = dialog.kind === "direct";
  const set = (change: Partial<Dialog>) => model.dispatch({ type: "dialog", dialog: { ...dialog, ...change } });
  const close = () => model.dispatch({ type: "dialog", dialog: undefined });

  const submit = async (e: Event) => {
    e.preventDefault();
    const usernames = parseUsernames(members);
    const problem = direct ? (usernames.length === 1 ? "" : "Enter one username.") : groupProblem(name);
    if (problem) return set({ error: problem });
    set({ busy: true, error: "" });
    try {
      if (direct) await model.openDirect(usernames[0]!);
      else await model.createGroup(name.trim(), usernames);
      close();
    } catch (err) {
      set({ busy: false, error: describeError(err) });
    }
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard closes the dialog with Escape (the form's onKeyDown)
    <div class="dialog-backdrop" role="dialog" aria-modal="true" aria-label={direct ? "New chat" : "New group"}
      onClick={(e) => e.target === e.currentTarget && close()}>
      <form class="dialog" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && close()}>
        <h2>{direct ? "New chat" : "New group"}</h2>
        {!direct && (
          <label>
            Group name
            <input name="group-name" value={name} autofocus onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        )}
        <label>
          {direct ? "Username" : "Members (usernames, optional)"}
          <input name="usernames" placeholder={direct ? "@username" : "@alice @bob"} value={members} autofocus={direct}
            onInput={(e) => setMembers(e.currentTarget.value)} />
        </label>
        {dialog.error && <p class="form-error" role="alert">{dialog.error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={close}>Cancel</button>
          <button type="submit" class="primary" disabled={dialog.busy}>{direct ? "Open chat" : "Create group"}</button>
        </div>
      </form>
    </div>
  );
}
