import { type ChatModel, userMessage } from "@chat/client";
import type { User } from "@chat/gen/chat/v1/user_pb.js";
import { useRef, useState } from "preact/hooks";
import { groupProblem, parseUsernames } from "../forms.ts";
import type { DesktopAction, DesktopState, Dialog } from "../view-model.ts";
import { UserSuggestions, useUserSearch } from "./user-search.tsx";

/**
 * Starts a direct conversation (with someone found by the start of their name, or with oneself: a
 * note to self), or creates a group.
 */
export function NewConversationDialog({ dialog, model }: { dialog: Dialog; model: ChatModel<DesktopState, DesktopAction> }) {
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const direct = dialog.kind === "direct";
  const set = (change: Partial<Dialog>) => model.dispatch({ type: "dialog", dialog: { ...dialog, ...change } });
  const close = () => model.dispatch({ type: "dialog", dialog: undefined });
  // The name being typed: the whole field for a chat, the last word for a group's members.
  const typing = direct ? members : /[\s,]$/.test(members) ? "" : members.split(/[\s,]+/).at(-1) ?? "";
  const found = useUserSearch(model, typing);

  const open = async (username: string) => {
    set({ busy: true, error: "" });
    try {
      await model.openDirect(username);
      close();
    } catch (err) {
      set({ busy: false, error: userMessage(err) });
    }
  };
  const pick = (user: User) => {
    if (direct) return void open(user.username);
    setMembers(`${members.slice(0, members.length - typing.length)}@${user.username} `);
    input.current?.focus();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const usernames = parseUsernames(members);
    const problem = direct ? (usernames.length === 1 ? "" : "Enter one username.") : groupProblem(name);
    if (problem) return set({ error: problem });
    if (direct) return open(usernames[0]!);
    set({ busy: true, error: "" });
    try {
      await model.createGroup(name.trim(), usernames);
      close();
    } catch (err) {
      set({ busy: false, error: userMessage(err) });
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
          {direct ? "Name or username" : "Members (usernames, optional)"}
          <input name="usernames" placeholder={direct ? "Search by name, or @username" : "@alice @bob"} value={members} autofocus={direct}
            ref={input} autocomplete="off" onInput={(e) => setMembers(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key !== "ArrowDown") return;
              e.preventDefault();
              e.currentTarget.closest("form")?.querySelector<HTMLElement>(".suggestions button")?.focus();
            }} />
        </label>
        <UserSuggestions users={found.users} onPick={pick} />
        {found.error && <p class="form-error">{found.error}</p>}
        {direct && (
          <button type="button" class="link note-to-self" onClick={() => void open(model.state.names[model.state.me] ?? "")}>
            Note to self: a conversation only you see
          </button>
        )}
        {dialog.error && <p class="form-error" role="alert">{dialog.error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={close}>Cancel</button>
          <button type="submit" class="primary" disabled={dialog.busy}>{direct ? "Open chat" : "Create group"}</button>
        </div>
      </form>
    </div>
  );
}
