import { Agent } from "node:https";
import { rootCertificates } from "node:tls";
import webpush from "web-push";
import { describeNetworkError, retryAfterMs } from "./http-request.ts";
import { collapseKey, pushPayload } from "./notification-payload.ts";
import type { PushEndpointRecord, PushNotification, PushProvider, PushResult } from "./provider.ts";

/** A VAPID key pair (RFC 8292), base64url, as `chat-server push vapid-keys` prints it. */
export interface VapidKeys {
  /** The uncompressed P-256 point (65 bytes): the browser's `applicationServerKey`. */
  publicKey: string;
  /** The private scalar (32 bytes). */
  privateKey: string;
}

/** Options of {@link WebPushProvider}. */
export interface WebPushProviderOptions {
  vapidKeys: VapidKeys;
  /** The VAPID `sub`: a `mailto:` or `https:` URL where the push service can reach the operator. */
  subject: string;
  /**
   * Hosts an endpoint may be on (a host or any subdomain of it); default {@link defaultWebPushHosts}.
   * A subscription's endpoint is a URL the client chose, so without this list the server would POST
   * wherever a client asked (a request-forgery lever into the operator's network).
   */
  endpointHosts?: readonly string[] | undefined;
  /** Extra CA certificates (PEM) trusted beside the public roots: a test's fake or a private push service. */
  ca?: string | Buffer | undefined;
  /** Longest wait for a push service's answer; default 10 s. */
  timeoutMs?: number | undefined;
}

/** The push services of Chrome/Edge-on-Chromium (FCM), Firefox (Mozilla autopush), Safari (Apple), Edge (WNS). */
export const defaultWebPushHosts: readonly string[] = ["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com"];

const defaultTimeoutMs = 10_000;

/**
 * Web Push (RFC 8030) through the `web-push` library: the payload (a {@link PushPayload} as JSON)
 * encrypted with `aes128gcm` (RFC 8291) to the subscription's keys, a VAPID JWT (RFC 8292) signed with
 * the server's key pair, `TTL` from the notification, `Urgency: high` for a mention (else normal), and
 * `Topic` = the conversation's collapse key so the push service replaces a notification still waiting.
 */
export class WebPushProvider implements PushProvider {
  readonly kind = "webpush";
  readonly #options: WebPushProviderOptions;
  readonly #hosts: readonly string[];
  readonly #timeoutMs: number;
  /** One keep-alive agent: pushes to one push service reuse its TLS connection. */
  readonly #agent: Agent;

  /** Checks the key pair and subject now (throws with the reason), so a bad configuration stops startup. */
  constructor(options: WebPushProviderOptions) {
    // Signs a throwaway token: web-push validates the keys and subject exactly as it will on each send.
    webpush.getVapidHeaders("https://push.example", options.subject, options.vapidKeys.publicKey, options.vapidKeys.privateKey, "aes128gcm");
    this.#options = options;
    this.#hosts = options.endpointHosts ?? defaultWebPushHosts;
    this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.#agent = new Agent({ keepAlive: true, ...(options.ca ? { ca: [...rootCertificates, options.ca.toString()] } : {}) });
  }

  /** The `applicationServerKey` browsers subscribe with. */
  get publicKey(): string {
    return this.#options.vapidKeys.publicKey;
  }

  /** Encrypts and sends one notification; the push service's answer becomes the result. */
  async send(endpoint: PushEndpointRecord, notification: PushNotification): Promise<PushResult> {
    const invalid = webPushEndpointProblem(endpoint, this.#hosts);
    if (invalid) return { kind: "failed", reason: invalid };
    const subscription = { endpoint: endpoint.token, keys: { p256dh: endpoint.p256dh!, auth: endpoint.auth! } };
    const sending = webpush.sendNotification(subscription, JSON.stringify(pushPayload(notification)), {
      vapidDetails: { subject: this.#options.subject, ...this.#options.vapidKeys },
      TTL: notification.ttlSeconds,
      urgency: notification.mention ? "high" : "normal",
      topic: collapseKey(notification.conversationId),
      contentEncoding: "aes128gcm",
      agent: this.#agent,
      // web-push's timeout is per socket inactivity; the race below bounds the whole exchange and
      // answers first, and this one (a second later) makes sure the abandoned socket is destroyed.
      timeout: this.#timeoutMs + 1_000,
    });
    try {
      await withDeadline(sending, this.#timeoutMs);
      return { kind: "sent" };
    } catch (err) {
      return err instanceof webpush.WebPushError ? webPushAnswer(err) : { kind: "retry", reason: describeNetworkError(err) };
    }
  }

  /** Closes the kept-alive connections. */
  async close(): Promise<void> {
    this.#agent.destroy();
  }
}

/** Maps a push service's non-2xx answer (RFC 8030 §8, RFC 8292 §4) to a result. */
function webPushAnswer(err: webpush.WebPushError): PushResult {
  const status = err.statusCode;
  const reason = `push service answered ${status}${err.body ? `: ${err.body.slice(0, 200)}` : ""}`;
  // 404/410: the subscription expired or the user revoked it; it will never work again.
  if (status === 404 || status === 410) return { kind: "gone", reason };
  if (status === 429 || status >= 500) return { kind: "retry", reason, retryAfterMs: retryAfterMs(err.headers["retry-after"]) };
  // 400 malformed, 401/403 VAPID refused (wrong key for this subscription), 413 payload too large.
  return { kind: "failed", reason };
}

/**
 * Why a Web Push endpoint cannot be sent to (an https URL on an allowed host, a 65-byte uncompressed
 * P-256 `p256dh`, a 16-byte `auth`), or undefined when it can. The RPC that registers endpoints can
 * use it to answer InvalidArgument up front rather than store an endpoint every send would refuse.
 */
export function webPushEndpointProblem(
  endpoint: Pick<PushEndpointRecord, "token" | "p256dh" | "auth">,
  hosts: readonly string[] = defaultWebPushHosts,
): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint.token);
  } catch {
    return "the Web Push endpoint is not a URL"; // the reason is the whole message: nothing to log
  }
  if (url.protocol !== "https:") return "the Web Push endpoint must be an https URL";
  const host = url.hostname;
  if (!hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`))) return `the Web Push endpoint's host ${host} is not a known push service`;
  const p256dh = Buffer.from(endpoint.p256dh ?? "", "base64url");
  if (p256dh.length !== 65 || p256dh[0] !== 0x04) return "p256dh must be an uncompressed P-256 point (65 bytes, base64url)";
  if (Buffer.from(endpoint.auth ?? "", "base64url").length !== 16) return "auth must be 16 bytes, base64url";
  return undefined;
}

/** `promise`, or a rejection with a TimeoutError after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("no answer in time"), { name: "TimeoutError" })), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
