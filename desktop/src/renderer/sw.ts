import { notificationFor, type OpenConversationMessage, openUrl, readPushPayload } from "./push-payload.ts";

// The service worker of the web app (built to dist/renderer/sw.js, registered by web-push.ts): shows
// a Web Push message as a notification, and a click on it brings the app to that conversation. The
// DOM's types are not a worker's: the few used here are declared below instead of the WebWorker lib.

interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown; text(): string } | null;
}
interface ExtendableEventLike {
  waitUntil(work: Promise<unknown>): void;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: Notification;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  postMessage(message: OpenConversationMessage): void;
}
interface ServiceWorkerScope {
  registration: ServiceWorkerRegistration;
  location: Location;
  clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "push", listener: (event: PushEventLike) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationEventLike) => void): void;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEventLike) => void): void;
}

const worker = globalThis as unknown as ServiceWorkerScope;
/** The server a page not served by it talks to (`sw.js?server=…`), for a window this worker opens. */
const server = new URL(worker.location.href).searchParams.get("server");

// A new version takes over at once: it only shows notifications, and holds no state to migrate.
worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener("activate", (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener("push", (event) => {
  event.waitUntil(show(event));
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const conversationId = (event.notification.data as { conversationId?: unknown } | null)?.conversationId;
  if (typeof conversationId === "string") event.waitUntil(focusConversation(conversationId));
});

/** Shows the notification of a push message. A push that is not ours (or not JSON) shows nothing but a log line. */
async function show(event: PushEventLike): Promise<void> {
  let json: unknown;
  try {
    json = event.data?.json();
  } catch (err) {
    console.warn("a push message that is not JSON: shown as nothing", err);
    return;
  }
  const payload = readPushPayload(json);
  if (!payload) return void console.warn("a push message without a conversation: shown as nothing");
  const { title, options } = notificationFor(payload);
  await worker.registration.showNotification(title, options);
}

/**
 * Brings a window of the app forward on a conversation, or opens one there. The window is told first:
 * focusing may be refused (it needs the click's user activation), which must not lose the conversation.
 */
async function focusConversation(conversationId: string): Promise<void> {
  const windows = await worker.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows[0];
  if (!open) return void await worker.clients.openWindow(openUrl(worker.registration.scope, conversationId, server));
  open.postMessage({ type: "chat.open", conversationId });
  await open.focus();
}
