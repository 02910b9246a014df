import { GoogleAccessToken, type ServiceAccount } from "./google-access-token.ts";
import { describeNetworkError, type HttpAnswer, requestText, retryAfterMs, serviceUrl } from "./http-request.ts";
import { collapseKey, pushPayload } from "./notification-payload.ts";
import type { PushEndpointRecord, PushNotification, PushProvider, PushResult } from "./provider.ts";

/** Options of {@link FcmProvider}. */
export interface FcmProviderOptions {
  serviceAccount: ServiceAccount;
  /** The FCM API's base URL; default https://fcm.googleapis.com (a proxy's, or a test's fake). */
  baseUrl?: string | undefined;
  /** Extra CA certificates (PEM) trusted beside the public roots. */
  ca?: string | Buffer | undefined;
  /** Longest wait for one answer (token exchange or send); default 10 s. */
  timeoutMs?: number | undefined;
  /** The clock, for tests of token renewal. */
  now?: (() => number) | undefined;
}

/** The scope FCM's HTTP v1 API requires of an access token. */
export const fcmScope = "https://www.googleapis.com/auth/firebase.messaging";

/**
 * Firebase Cloud Messaging through its HTTP v1 API: `POST /v1/projects/{project}/messages:send` with an
 * OAuth2 token of the service account. The message has a `notification` (title, body) for the system
 * tray, `data` (the {@link PushPayload} fields as strings) for the app, and an `android` block:
 * `collapse_key` (FCM keeps only the newest undelivered message of a conversation), `ttl`, priority
 * HIGH (a notification the user should see now; NORMAL ones wait for Doze to end) and a notification
 * `tag` so a newer notification of a conversation replaces the older one on the device.
 */
export class FcmProvider implements PushProvider {
  readonly kind = "fcm";
  readonly #url: string;
  readonly #options: FcmProviderOptions;
  readonly #timeoutMs: number;
  readonly #tokens: GoogleAccessToken;

  constructor(options: FcmProviderOptions) {
    const base = serviceUrl(options.baseUrl ?? "https://fcm.googleapis.com", "the FCM URL");
    serviceUrl(options.serviceAccount.tokenUri, "the service account's token_uri");
    this.#url = `${base}/v1/projects/${encodeURIComponent(options.serviceAccount.projectId)}/messages:send`;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#tokens = new GoogleAccessToken({ account: options.serviceAccount, scope: fcmScope, ca: options.ca, timeoutMs: this.#timeoutMs, now: options.now });
  }

  /** Sends one message; a 401 gets one more try with a fresh access token before it counts as failed. */
  async send(endpoint: PushEndpointRecord, notification: PushNotification): Promise<PushResult> {
    const body = JSON.stringify({ message: fcmMessage(endpoint.token, notification) });
    for (let attempt = 1; ; attempt++) {
      const access = await this.#tokens.get();
      if (access.kind !== "token") return access;
      let answer: HttpAnswer;
      try {
        answer = await requestText(this.#url, {
          method: "POST",
          headers: { authorization: `Bearer ${access.token}`, "content-type": "application/json; charset=utf-8" },
          body,
          timeoutMs: this.#timeoutMs,
          ca: this.#options.ca,
        });
      } catch (err) {
        return { kind: "retry", reason: describeNetworkError(err) };
      }
      const result = fcmAnswer(answer);
      // UNAUTHENTICATED: the token was revoked or expired early. A second 401 with a token just issued
      // means the account lacks the permission: the operator must act, retrying will not help.
      if (result === "unauthenticated") {
        this.#tokens.invalidate(access.token);
        if (attempt === 1) continue;
        return { kind: "failed", reason: "FCM refused a freshly issued access token (401): does the service account have the Firebase Messaging role?" };
      }
      return result;
    }
  }

  /** Nothing to close: requests do not keep connections (one HTTP/1.1 request per push). */
  async close(): Promise<void> {}
}

/** The `message` of a send request. `data` values must be strings (FCM refuses anything else). */
function fcmMessage(token: string, notification: PushNotification): object {
  const payload = pushPayload(notification);
  const key = collapseKey(payload.conversationId);
  return {
    token,
    notification: { title: payload.title, body: payload.body },
    data: { conversationId: payload.conversationId, seq: String(payload.seq), count: String(payload.count), mention: String(payload.mention) },
    android: { collapse_key: key, ttl: `${notification.ttlSeconds}s`, priority: "HIGH", notification: { tag: key } },
  };
}

/** The error body of FCM v1 (google.rpc.Status with an FcmError detail). */
interface FcmErrorBody {
  error?: { status?: string; message?: string; details?: { "@type"?: string; errorCode?: string }[] };
}

/**
 * Maps FCM's answer (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode) to a result,
 * or "unauthenticated" for a 401 the caller answers with a new token.
 */
function fcmAnswer(answer: HttpAnswer): PushResult | "unauthenticated" {
  if (answer.status === 200) return { kind: "sent" };
  let error: FcmErrorBody["error"];
  try {
    error = (JSON.parse(answer.body) as FcmErrorBody).error;
  } catch {
    error = undefined; // a proxy's HTML page, say: the status alone decides below
  }
  const code = error?.details?.find((d) => d.errorCode)?.errorCode ?? error?.status ?? "";
  const reason = `FCM answered ${answer.status} ${code}${error?.message ? `: ${error.message.slice(0, 200)}` : ""}`;
  if (code === "UNREGISTERED" || answer.status === 404) return { kind: "gone", reason };
  // THIRD_PARTY_AUTH_ERROR is also a 401, but about the APNs/Web Push credentials in the Firebase
  // project: a new token would not change it.
  if (answer.status === 401 && code !== "THIRD_PARTY_AUTH_ERROR") return "unauthenticated";
  if (answer.status === 429 || answer.status >= 500) return { kind: "retry", reason, retryAfterMs: retryAfterMs(answer.headers["retry-after"]) };
  // INVALID_ARGUMENT (a malformed token or message), SENDER_ID_MISMATCH (a token of another Firebase
  // project), PERMISSION_DENIED: this request will never succeed as sent.
  return { kind: "failed", reason };
}
