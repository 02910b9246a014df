import { useEffect, useState } from "preact/hooks";
import type { DesktopChat } from "../desktop-chat.ts";
import { pushLine } from "../notification-settings.ts";

/** Under the conversation list: whether notifications show the message text, and what push does on this device. */
export function NotificationSettingsView({ chat }: { chat: DesktopChat }) {
  const [settings, setSettings] = useState(chat.notifications.state);
  useEffect(() => chat.notifications.subscribe(setSettings), [chat]);
  return (
    <div class="notification-settings" data-testid="notification-settings">
      <label class="toggle">
        <input type="checkbox" data-testid="previews" checked={settings.previews === true} disabled={settings.previews === undefined}
          onChange={(e) => void chat.notifications.setPreviews(e.currentTarget.checked)} />
        Message text in notifications
      </label>
      <span class="push-state" data-testid="push-state" data-kind={settings.push.kind}>{settings.error || pushLine(settings.push)}</span>
    </div>
  );
}
