import { type ChatModel, userMessage } from "@chat/client";
import type { User } from "@chat/gen/chat/v1/user_pb.js";
import { useEffect, useRef, useState } from "preact/hooks";
import type { DesktopAction, DesktopState } from "../view-model.ts";

/** How long typing pauses before the server is asked: one search per pause, not per key. */
const searchDelayMs = 150;

/**
 * People whose username or display name starts with `query` (UserService.SearchUsers), as the
 * person types; answers to an older query than the newest are dropped.
 */
export function useUserSearch(model: ChatModel<DesktopState, DesktopAction>, query: string): { users: User[]; error: string } {
  const [found, setFound] = useState<{ users: User[]; error: string }>({ users: [], error: "" });
  const latest = useRef(0);
  useEffect(() => {
    const asked = ++latest.current;
    const prefix = query.trim().replace(/^@/, "");
    if (!prefix) {
      setFound({ users: [], error: "" });
      return;
    }
    const timer = setTimeout(() => {
      model.searchUsers(prefix).then(
        (users) => asked === latest.current && setFound({ users, error: "" }),
        (err) => asked === latest.current && setFound({ users: [], error: userMessage(err) }),
      );
    }, searchDelayMs);
    return () => clearTimeout(timer);
  }, [model, query]);
  return found;
}

/** The people found, as buttons: ↓ from the input reaches them, Enter or a click picks one. */
export function UserSuggestions({ users, onPick }: { users: User[]; onPick(user: User): void }) {
  if (users.length === 0) return null;
  return (
    <ul class="suggestions" aria-label="People found" data-testid="suggestions">
      {users.map((u) => (
        <li key={u.id}>
          <button type="button" data-testid="suggestion" onClick={() => onPick(u)}
            onKeyDown={(e) => {
              const li = e.currentTarget.parentElement;
              const next = e.key === "ArrowDown" ? li?.nextElementSibling : e.key === "ArrowUp" ? li?.previousElementSibling : undefined;
              if (!next) return;
              e.preventDefault();
              next.querySelector("button")?.focus();
            }}>
            <strong>@{u.username}</strong>
            {u.displayName && u.displayName !== u.username && <span class="muted"> {u.displayName}</span>}
            {u.bot && <span class="bot-tag">bot</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
