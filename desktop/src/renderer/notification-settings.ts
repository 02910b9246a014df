import { type ChatClients, Listeners, userMessage } from "@chat/client";
import { registerWebPush, type WebPushState } from "./web-push.ts";

/** What the notification settings show. */
export interface NotificationSettingsState {
  /** Whether notifications carry the message text (every device of mine); undefined until read. */
  previews: boolean | undefined;
  /** Where Web Push stands on this device. */
  push: WebPushState;
  /** Why the settings could not be read or changed; "" otherwise. */
  error: string;
}

/**
 * The person's notification settings (PushService.GetPushSettings/SetPushSettings) and this browser's
 * Web Push registration, kept for the settings panel. Registration is tried when the window opens
 * with notifications allowed, and again as soon as the person allows them.
 */
export class NotificationSettings {
  private readonly push: ChatClients["push"];
  private readonly listeners = new Listeners<{ change: (state: NotificationSettingsState) => void }>();
  private current: NotificationSettingsState;

  /** `supported` is false under Electron, whose renderer has no push service (see desktop/README.md). */
  constructor(push: ChatClients["push"], supported: boolean) {
    this.push = push;
    this.current = { previews: undefined, push: supported ? { kind: "off" } : { kind: "unsupported" }, error: "" };
  }

  /** The settings as they are now. */
  get state(): NotificationSettingsState {
    return this.current;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: (state: NotificationSettingsState) => void): () => void {
    return this.listeners.on("change", listener);
  }

  /** Reads the previews setting, and registers this browser for Web Push when notifications are allowed. */
  async load(): Promise<void> {
    try {
      const { settings } = await this.push.getPushSettings({});
      this.set({ previews: settings?.showPreviews === true, error: "" });
    } catch (err) {
      return this.set({ error: `Could not read the notification settings: ${userMessage(err)}` });
    }
    await this.registerPush();
  }

  /** (Re)registers this browser for Web Push: after the person allowed notifications, or at start. */
  async registerPush(): Promise<void> {
    if (this.current.push.kind === "unsupported") return;
    this.set({ push: { kind: "pending" } });
    try {
      this.set({ push: await registerWebPush(this.push) });
    } catch (err) {
      this.set({ push: { kind: "failed", error: userMessage(err) } });
    }
  }

  /** Turns the message text in notifications on or off, for every device of mine. */
  async setPreviews(on: boolean): Promise<void> {
    try {
      const { settings } = await this.push.setPushSettings({ settings: { showPreviews: on } });
      this.set({ previews: settings?.showPreviews === true, error: "" });
    } catch (err) {
      this.set({ error: `Could not change the setting: ${userMessage(err)}` });
    }
  }

  private set(change: Partial<NotificationSettingsState>): void {
    this.current = { ...this.current, ...change };
    this.listeners.emit("change", this.current);
  }
}

/** The line under the setting that says what push does on this device. */
export function pushLine(push: WebPushState): string {
  switch (push.kind) {
    case "unsupported":
      return "This app gets notifications while it runs; push to a closed app is not available here.";
    case "off":
      return "Allow notifications to be notified while the app is closed.";
    case "pending":
      return "Setting up push notifications…";
    case "unavailable":
      return "The server does not send push notifications to browsers.";
    case "registered":
      return "Push is on: you are notified while the app is closed.";
    case "failed":
      return `Push could not be set up: ${push.error}`;
  }
}
