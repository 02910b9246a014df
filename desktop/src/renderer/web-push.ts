import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { type PushEndpoint, PushEndpointSchema, PushProvider, type PushService } from "@chat/gen/chat/v1/push_pb.js";

/**
 * Web Push for the web app: the browser's push service wakes the service worker (`sw.ts`) with a
 * notification while no window of the app is connected. Registering takes the server's VAPID key
 * (GetPushSettings), a subscription of the browser's push service made with it, and the
 * subscription's endpoint and keys sent to the server (RegisterPushEndpoint). Electron's renderer has
 * no push service behind `pushManager` (see desktop/README.md: the shell needs its own route).
 */

/** Where push stands on this device, for the settings to show. */
export type WebPushState =
  /** This browser has no service workers or no Push API (or it is the Electron shell). */
  | { kind: "unsupported" }
  /** Notifications are not allowed (yet): nothing is registered until they are. */
  | { kind: "off" }
  /** Registering is under way. */
  | { kind: "pending" }
  /** The server has no VAPID key: it cannot push to browsers. */
  | { kind: "unavailable" }
  /** Registered: the server pushes to this browser while it is not connected. */
  | { kind: "registered"; endpoint: string }
  /** Subscribing or registering failed; `error` says why (a browser without a push service says so here). */
  | { kind: "failed"; error: string };

/** The service worker's file, next to index.html. */
const workerFile = "sw.js";
/**
 * How long the browser's push service may take to hand out a subscription: a browser without one
 * (headless Chromium, a profile without Google services) may never answer.
 */
const subscribeTimeoutMs = 15_000;

/** Bytes of a base64url string (the VAPID key as the server gives it). */
export function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** base64url (no padding) of bytes: how a subscription's key is compared with the server's. */
export function bytesBase64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return btoa(String.fromCharCode(...view)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * The endpoint to register for a subscription (`PushSubscription.toJSON()`): its URL and keys;
 * InvalidArgument-worthy input (no https URL, missing keys) gives undefined rather than a bad request.
 */
export function endpointOf(subscription: { endpoint?: string; keys?: Record<string, string> }): PushEndpoint | undefined {
  const { endpoint = "", keys = {} } = subscription;
  if (!/^https:\/\//.test(endpoint) || !keys.p256dh || !keys.auth) return undefined;
  return create(PushEndpointSchema, { provider: PushProvider.WEB_PUSH, token: endpoint, p256dh: keys.p256dh, auth: keys.auth });
}

/** True when the server already has this endpoint for this device (nothing to send). */
export function sameEndpoint(stored: PushEndpoint | undefined, wanted: PushEndpoint): boolean {
  return stored?.provider === wanted.provider && stored.token === wanted.token && stored.p256dh === wanted.p256dh && stored.auth === wanted.auth;
}

/** The service worker's URL: with `?server=` when this page talks to a server that did not serve it (see `openUrl`). */
export function workerUrl(pageUrl: string): string {
  const server = new URL(pageUrl).searchParams.get("server");
  return server ? `./${workerFile}?server=${encodeURIComponent(server)}` : `./${workerFile}`;
}

/**
 * Registers this browser for Web Push, once notifications are allowed: the service worker, a
 * subscription made with the server's VAPID key (a subscription made with another key is dropped
 * first), and the endpoint on the server when it does not have it yet.
 */
export async function registerWebPush(push: Client<typeof PushService>): Promise<WebPushState> {
  if (!("serviceWorker" in navigator) || typeof PushManager === "undefined") return { kind: "unsupported" };
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return { kind: "off" };
  const settings = await push.getPushSettings({});
  const key = settings.webPushPublicKey;
  if (!key) return { kind: "unavailable" };
  try {
    await navigator.serviceWorker.register(workerUrl(location.href), { scope: "./" });
    const registration = await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    const subscribedWith = subscription?.options.applicationServerKey;
    if (subscription && (!subscribedWith || bytesBase64url(subscribedWith) !== key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(key) }),
      subscribeTimeoutMs, "the browser's push service did not answer",
    );
    const endpoint = endpointOf(subscription.toJSON() as { endpoint?: string; keys?: Record<string, string> });
    if (!endpoint) return { kind: "failed", error: "the browser's subscription has no https endpoint or no keys" };
    if (!sameEndpoint(settings.endpoint, endpoint)) await push.registerPushEndpoint({ endpoint });
    return { kind: "registered", endpoint: endpoint.token };
  } catch (err) {
    console.warn("Web Push registration failed", err);
    // A DOMException's name says what kind of failure it was ("AbortError", "NotAllowedError"); a plain Error's says nothing.
    return { kind: "failed", error: err instanceof Error ? (err.name && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message) : String(err) };
  }
}

/** `work`, or a rejection with `message` after `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Ends this browser's subscription (logging out: the server drops the device's endpoint itself). */
export async function unsubscribeWebPush(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.getRegistration("./");
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe();
}
