import { createPrivateKey, type KeyObject } from "node:crypto";
import { describeNetworkError, retryAfterMs, serviceUrl } from "./http-request.ts";
import { type Http2Answer, Http2Origin } from "./http2-origin.ts";
import { signJwt } from "./jwt.ts";
import { collapseKey, pushPayload } from "./notification-payload.ts";
import type { PushEndpointRecord, PushNotification, PushProvider, PushResult } from "./provider.ts";

/** Options of {@link ApnsProvider}. */
export interface ApnsProviderOptions {
  /** The token-signing key: the .p8 file's PEM (PKCS#8, P-256) from the Apple developer account. */
  signingKey: string;
  /** The key's 10-character Key ID (the JWT `kid`). */
  keyId: string;
  /** The developer account's Team ID (the JWT `iss`). */
  teamId: string;
  /** The app's bundle id (`apns-topic`). */
  topic: string;
  /** Default https://api.push.apple.com. */
  productionUrl?: string | undefined;
  /** For development builds' device tokens; default https://api.sandbox.push.apple.com. */
  sandboxUrl?: string | undefined;
  /** Extra CA certificates (PEM) trusted beside the public roots. */
  ca?: string | Buffer | undefined;
  /** Longest wait for one answer, connecting included; default 10 s. */
  timeoutMs?: number | undefined;
  /** The clock, for tests of token renewal. */
  now?: (() => number) | undefined;
  /** Hears an HTTP/2 session's end (GOAWAY, error), for a log line. */
  onSessionEnd?: ((reason: string) => void) | undefined;
}

/**
 * Apple's limits on provider tokens: a token is refused as expired an hour after its `iat`, and one
 * renewed more often than every 20 minutes is refused (TooManyProviderTokenUpdates). Renewing at 40
 * minutes stays inside both with room for clock skew.
 */
const tokenRenewMs = 40 * 60_000;
const tokenMinAgeMs = 20 * 60_000;

/**
 * Apple Push Notification service over HTTP/2 with token-based authentication: one kept session per
 * host (production, and sandbox for development builds' tokens), an ES256 provider token (`kid`, `iss`,
 * `iat`) shared by every request and renewed every 40 minutes, and per push `apns-topic`,
 * `apns-push-type: alert`, `apns-priority: 10` (shown now), `apns-expiration` (now + TTL) and
 * `apns-collapse-id` (the conversation's collapse key: a newer notification replaces the older one);
 * the payload's `aps.alert` has title and body, `thread-id` groups a conversation's notifications.
 */
export class ApnsProvider implements PushProvider {
  readonly kind = "apns";
  readonly #options: ApnsProviderOptions;
  readonly #key: KeyObject;
  readonly #now: () => number;
  readonly #production: Http2Origin;
  readonly #sandbox: Http2Origin;
  #token: { jwt: string; issuedAt: number } | undefined;

  /** Parses the signing key now (throws with the reason), so a bad key stops startup. */
  constructor(options: ApnsProviderOptions) {
    this.#key = createPrivateKey(options.signingKey);
    if (this.#key.asymmetricKeyType !== "ec" || this.#key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
      throw new Error("the APNs signing key must be the P-256 .p8 key Apple issues");
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const http2 = { ca: options.ca, timeoutMs: options.timeoutMs ?? 10_000, onSessionEnd: options.onSessionEnd };
    this.#production = new Http2Origin(serviceUrl(options.productionUrl ?? "https://api.push.apple.com", "the APNs URL"), http2);
    this.#sandbox = new Http2Origin(serviceUrl(options.sandboxUrl ?? "https://api.sandbox.push.apple.com", "the APNs sandbox URL"), http2);
  }

  /** Sends one notification; an ExpiredProviderToken gets one more try with a new token when Apple allows one. */
  async send(endpoint: PushEndpointRecord, notification: PushNotification): Promise<PushResult> {
    const problem = apnsEndpointProblem(endpoint.token);
    if (problem) return { kind: "failed", reason: problem };
    const origin = endpoint.apnsSandbox ? this.#sandbox : this.#production;
    const payload = pushPayload(notification);
    const body = JSON.stringify({
      aps: { alert: { title: payload.title, body: payload.body }, "thread-id": payload.conversationId, sound: "default" },
      conversationId: payload.conversationId, seq: payload.seq, count: payload.count, mention: payload.mention,
    });
    for (let attempt = 1; ; attempt++) {
      const jwt = this.#providerToken();
      let answer: Http2Answer;
      try {
        answer = await origin.request({
          ":method": "POST",
          ":path": `/3/device/${endpoint.token}`,
          authorization: `bearer ${jwt}`,
          "apns-topic": this.#options.topic,
          "apns-push-type": "alert",
          "apns-priority": "10",
          // 0 asks APNs to try once and not store; otherwise it keeps trying until this time.
          "apns-expiration": String(notification.ttlSeconds > 0 ? Math.floor(this.#now() / 1000) + notification.ttlSeconds : 0),
          "apns-collapse-id": collapseKey(notification.conversationId),
          "content-type": "application/json",
        }, body);
      } catch (err) {
        return { kind: "retry", reason: describeNetworkError(err) };
      }
      const result = apnsAnswer(answer);
      if (result !== "expired-token") return result;
      const age = this.#now() - (this.#token?.issuedAt ?? 0);
      if (attempt === 1 && this.#token?.jwt !== jwt) continue; // a concurrent send renewed it already
      if (attempt === 1 && age >= tokenMinAgeMs) {
        this.#token = undefined; // renew, then try once more
        continue;
      }
      // A token younger than 20 minutes called expired means a clock off by an hour; a new one would be
      // refused as a too-frequent update. Wait until renewing is allowed (the token was in use anyway).
      return { kind: "retry", reason: "APNs answered 403 ExpiredProviderToken (is this host's clock right?)", retryAfterMs: Math.max(1_000, tokenMinAgeMs - age) };
    }
  }

  /** Closes both HTTP/2 sessions. */
  async close(): Promise<void> {
    await Promise.all([this.#production.close(), this.#sandbox.close()]);
  }

  /** How many HTTP/2 sessions were opened (production + sandbox): reconnects, for tests. */
  get sessionsOpened(): number {
    return this.#production.sessionsOpened + this.#sandbox.sessionsOpened;
  }

  /** The provider token, minted anew once the kept one is 40 minutes old. */
  #providerToken(): string {
    const now = this.#now();
    if (this.#token && now - this.#token.issuedAt < tokenRenewMs) return this.#token.jwt;
    const jwt = signJwt("ES256", this.#key, { kid: this.#options.keyId }, { iss: this.#options.teamId, iat: Math.floor(now / 1000) });
    this.#token = { jwt, issuedAt: now };
    return jwt;
  }
}

/**
 * Why an APNs device token cannot be sent to (it is hex, as the apps report it, and at most 200
 * characters; it goes into the request path, so nothing else may pass), or undefined.
 */
export function apnsEndpointProblem(token: string): string | undefined {
  if (!/^[0-9a-fA-F]{1,200}$/.test(token)) return "an APNs device token is 1 to 200 hexadecimal characters";
  return undefined;
}

/**
 * Maps APNs's answer (Apple's "Handling notification responses from APNs") to a result, or
 * "expired-token" for the caller to renew its provider token.
 */
function apnsAnswer(answer: Http2Answer): PushResult | "expired-token" {
  if (answer.status === 200) return { kind: "sent" };
  let reasonCode = "";
  try {
    reasonCode = String((JSON.parse(answer.body) as { reason?: unknown }).reason ?? "");
  } catch {
    reasonCode = ""; // not APNs's JSON (a proxy's page): the status alone decides below
  }
  const reason = `APNs answered ${answer.status} ${reasonCode}`.trim();
  // 410 Unregistered: the app was removed; BadDeviceToken: not a token of this environment (a
  // development build's token sent to production, or garbage). Neither will ever be delivered.
  if (answer.status === 410 || reasonCode === "BadDeviceToken" || reasonCode === "Unregistered") return { kind: "gone", reason };
  if (answer.status === 403 && reasonCode === "ExpiredProviderToken") return "expired-token";
  if (answer.status === 429 || answer.status >= 500) return { kind: "retry", reason, retryAfterMs: retryAfterMs(answer.headers["retry-after"]) };
  // InvalidProviderToken (wrong key id / team id), DeviceTokenNotForTopic (wrong bundle id),
  // PayloadTooLarge, BadCollapseId...: a configuration or request error that retrying will not fix.
  return { kind: "failed", reason };
}
