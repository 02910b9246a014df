import { userMessage } from "@chat/client";
import { useEffect, useState } from "preact/hooks";
import { type Account, restore } from "../account.ts";
import type { Platform } from "../platform.ts";
import { ChatView } from "./chat-view.tsx";
import { LoginView } from "./login-view.tsx";

type Phase = { kind: "loading" } | { kind: "login"; notice: string } | { kind: "chat"; account: Account };

/** The whole app: the saved session is restored, else the login form; then the chat. */
export function App({ platform }: { platform: Platform }) {
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  useEffect(() => {
    restore(platform).then(
      (account) => setPhase(account ? { kind: "chat", account } : { kind: "login", notice: "" }),
      (err) => setPhase({ kind: "login", notice: `Could not reach ${platform.serverUrl}: ${userMessage(err)}` }),
    );
  }, [platform]);

  switch (phase.kind) {
    case "loading":
      return <div class="splash">Connecting to {platform.serverUrl}…</div>;
    case "login":
      return <LoginView platform={platform} notice={phase.notice} onSignedIn={(account) => setPhase({ kind: "chat", account })} />;
    case "chat":
      return <ChatView platform={platform} account={phase.account} onSignedOut={(notice) => setPhase({ kind: "login", notice })} />;
  }
}
