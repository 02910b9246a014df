import { contextBridge, ipcRenderer } from "electron";
import { bridgeChannels, type DesktopBridge } from "./bridge.ts";

// The preload (sandboxed, built to CommonJS): the renderer gets these five functions and nothing
// of Node or Electron. Each is one IPC call to the main process.
const bridge: DesktopBridge = {
  serverUrl: () => ipcRenderer.invoke(bridgeChannels.serverUrl),
  loadToken: () => ipcRenderer.invoke(bridgeChannels.loadToken),
  saveToken: (token) => ipcRenderer.invoke(bridgeChannels.saveToken, token),
  clearToken: () => ipcRenderer.invoke(bridgeChannels.clearToken),
  setBadgeCount: (count) => ipcRenderer.send(bridgeChannels.setBadgeCount, count),
};

contextBridge.exposeInMainWorld("chatDesktop", bridge);
