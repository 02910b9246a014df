import { join } from "node:path";
import { app, BrowserWindow, ipcMain, shell } from "electron";
import { bridgeChannels } from "../preload/bridge.ts";
import { appScheme, registerAppScheme, serveRenderer } from "./app-protocol.ts";
import { contentSecurityPolicy } from "./csp.ts";
import { TokenStore } from "./token-store.ts";

// The Electron main process: one locked-down window on the built renderer, and the two things a
// renderer may not do itself: know the configured server and keep the token encrypted.

/** `--server URL`, else CHAT_SERVER_URL, else a local server. */
function serverUrl(): string {
  const flag = process.argv.indexOf("--server");
  return (flag > 0 ? process.argv[flag + 1] : undefined) ?? process.env.CHAT_SERVER_URL ?? "http://127.0.0.1:8080";
}

const server = serverUrl();
// Built next to this file: dist/main/main.js, dist/preload/preload.cjs, dist/renderer/.
const dist = join(import.meta.dirname, "..");
registerAppScheme();

app.whenReady().then(() => {
  serveRenderer(join(dist, "renderer"), contentSecurityPolicy(server));
  const tokens = new TokenStore(join(app.getPath("userData"), "token.bin"));
  ipcMain.handle(bridgeChannels.serverUrl, () => server);
  ipcMain.handle(bridgeChannels.loadToken, () => tokens.load());
  ipcMain.handle(bridgeChannels.saveToken, (_event, token: unknown) => {
    if (typeof token !== "string" || token.length > 4096) throw new Error("not a token");
    return tokens.save(token);
  });
  ipcMain.handle(bridgeChannels.clearToken, () => tokens.clear());
  ipcMain.on(bridgeChannels.setBadgeCount, (_event, count: unknown) => {
    if (Number.isInteger(count) && (count as number) >= 0) app.setBadgeCount(count as number);
  });
  openWindow();
  app.on("activate", () => BrowserWindow.getAllWindows().length === 0 && openWindow());
});

app.on("window-all-closed", () => {
  if (process.platform !== "darwin") app.quit();
});

function openWindow(): void {
  const window = new BrowserWindow({
    width: 1100, height: 720, minWidth: 640, minHeight: 420, title: "Chat",
    webPreferences: {
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      preload: join(dist, "preload", "preload.cjs"),
    },
  });
  // The app never opens other pages inside itself: a web link in a message opens in the browser,
  // anything else (and every navigation of the window) goes nowhere.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    return { action: "deny" };
  });
  window.webContents.on("will-navigate", (event) => event.preventDefault());
  void window.loadURL(`${appScheme}://chat/index.html`);
}
