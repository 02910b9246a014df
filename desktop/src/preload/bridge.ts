/**
 * What the Electron preload exposes to the renderer as `window.chatDesktop`, and nothing more: the
 * server's URL and a place for the bearer token that the OS keychain encrypts (Electron's
 * safeStorage, in the main process). Types only, shared by the preload and the renderer.
 */
export interface DesktopBridge {
  /** The chat server's base URL, e.g. "http://127.0.0.1:8080". */
  serverUrl(): Promise<string>;
  /** The saved token, or undefined when none is saved (or it cannot be decrypted any more). */
  loadToken(): Promise<string | undefined>;
  /** Saves the token, encrypted. Rejects when the OS offers no encryption. */
  saveToken(token: string): Promise<void>;
  /** Forgets the token (logout). */
  clearToken(): Promise<void>;
  /** Shows the unread count on the app's icon (0 clears it). */
  setBadgeCount(count: number): void;
}

/** The IPC channels between the preload and the main process. */
export const bridgeChannels = {
  serverUrl: "chat:server-url",
  loadToken: "chat:token-load",
  saveToken: "chat:token-save",
  clearToken: "chat:token-clear",
  setBadgeCount: "chat:badge-count",
} as const;
