import type { DesktopBridge } from "../preload/bridge.ts";

/** What the app needs from where it runs: the server to talk to and a place for the token. */
export interface Platform {
  /** "electron" under the desktop shell, "browser" in a plain browser tab. */
  kind: "electron" | "browser";
  serverUrl: string;
  loadToken(): Promise<string | undefined>;
  saveToken(token: string): Promise<void>;
  clearToken(): Promise<void>;
  /** The unread count on the app's icon (the dock, the taskbar); a browser tab has only its title. */
  setBadgeCount(count: number): void;
}

/** The server a browser tab talks to when the page does not say (`?server=`) and is not served by one. */
const defaultServer = "http://127.0.0.1:8080";

/**
 * The page's own origin when the chat server itself serves it (the web client at `/`, which
 * marks its index page with `<meta name="chat-server" content="same-origin">`).
 */
function sameOrigin(): string | undefined {
  return document.querySelector('meta[name="chat-server"]')?.getAttribute("content") === "same-origin" ? location.origin : undefined;
}
const tokenKey = "chat.token";

/**
 * The platform of this page: under Electron the preload's bridge (token encrypted by the OS
 * keychain); in a browser, the `?server=` parameter and localStorage, which a browser cannot
 * protect better (anyone with the profile can read it; use the desktop shell for that).
 */
export async function detectPlatform(): Promise<Platform> {
  const bridge = (globalThis as { chatDesktop?: DesktopBridge }).chatDesktop;
  if (bridge) {
    return {
      kind: "electron", serverUrl: await bridge.serverUrl(),
      loadToken: () => bridge.loadToken(), saveToken: (t) => bridge.saveToken(t), clearToken: () => bridge.clearToken(),
      setBadgeCount: (count) => bridge.setBadgeCount(count),
    };
  }
  const serverUrl = new URL(location.href).searchParams.get("server") ?? sameOrigin() ?? defaultServer;
  // One token per server: logging in to a second server must not sign the first one out.
  const key = `${tokenKey}:${serverUrl}`;
  return {
    kind: "browser", serverUrl,
    loadToken: async () => localStorage.getItem(key) ?? undefined,
    saveToken: async (token) => localStorage.setItem(key, token),
    clearToken: async () => localStorage.removeItem(key),
    setBadgeCount: () => {},
  };
}
