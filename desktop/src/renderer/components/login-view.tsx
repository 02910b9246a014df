import { userMessage } from "@chat/client";
import { useState } from "preact/hooks";
import { type Account, signIn } from "../account.ts";
import { credentialsProblem } from "../forms.ts";
import type { Platform } from "../platform.ts";

interface LoginViewProps {
  platform: Platform;
  /** Why the person is here again (signed out, server unreachable), or "". */
  notice: string;
  onSignedIn(account: Account): void;
}

/** Log in to an account, or create one. */
export function LoginView({ platform, notice, onSignedIn }: LoginViewProps) {
  const [mode, setMode] = useState<"login" | "register">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = credentialsProblem({ username, password }, mode === "register");
    if (problem) return setError(problem);
    setBusy(true);
    setError("");
    try {
      onSignedIn(await signIn(platform, mode, { username, password }));
    } catch (err) {
      setError(userMessage(err));
      setBusy(false);
    }
  };

  const registering = mode === "register";
  return (
    <div class="login">
      <form class="login-card" onSubmit={submit} aria-label={registering ? "Create an account" : "Log in"}>
        <h1>Chat</h1>
        <p class="muted">{registering ? "Create an account" : "Log in"} on {platform.serverUrl}</p>
        <label>
          Username
          <input name="username" autocomplete="username" value={username} autofocus
            onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete={registering ? "new-password" : "current-password"} value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{registering ? "Create account" : "Log in"}</button>
        <button type="button" class="link" onClick={() => { setMode(registering ? "login" : "register"); setError(""); }}>
          {registering ? "I have an account: log in" : "New here? Create an account"}
        </button>
      </form>
    </div>
  );
}
