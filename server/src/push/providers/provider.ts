/**
 * The boundary between the push worker and the push services (Web Push, FCM, APNs): one interface, one
 * implementation per service, each configured from its credentials. A provider turns a notification into
 * exactly the request its service expects and the service's answer into a PushResult; it never retries
 * (the queue does, with backoff) and never throws for an answer of the service.
 */

/** Which push service delivers to an endpoint (mirrors chat.v1.PushProvider). */
export type PushProviderKind = "webpush" | "fcm" | "apns";

/** One device's registered endpoint, as stored. */
export interface PushEndpointRecord {
  userId: string;
  deviceId: string;
  provider: PushProviderKind;
  /** Web Push: the endpoint URL. FCM: the registration token. APNs: the device token (hex). */
  token: string;
  /** Web Push only: the subscription's keys (base64url). */
  p256dh?: string | undefined;
  auth?: string | undefined;
  /** APNs only: a development build (sandbox host). */
  apnsSandbox?: boolean | undefined;
  registeredAt: Date;
}

/** What one notification says, already decided by the worker (previews, collapse, mute). */
export interface PushNotification {
  /** The conversation it is about; also the collapse key, so a newer notification replaces the older. */
  conversationId: string;
  /** The newest message it covers. */
  seq: number;
  /** How many messages it covers (collapsed), at least 1. */
  count: number;
  /** "alice" for a direct conversation, "alice in #team" for a group. */
  title: string;
  /** The message text when the user allows previews, else "New message" / "3 new messages". */
  body: string;
  /** True when a message it covers mentions the user. */
  mention: boolean;
  /** How long the push service should keep trying to reach the device. */
  ttlSeconds: number;
}

/** What a push service answered. */
export type PushResult =
  | { kind: "sent" }
  /** The endpoint no longer exists (Web Push 404/410, FCM UNREGISTERED, APNs 410/BadDeviceToken): remove it. */
  | { kind: "gone"; reason: string }
  /** Worth trying again later (5xx, 429, network): after `retryAfterMs` when the service said so. */
  | { kind: "retry"; reason: string; retryAfterMs?: number | undefined }
  /** Will never succeed as sent (a 400 for this request, bad credentials): log it and drop the job. */
  | { kind: "failed"; reason: string };

/** One push service. */
export interface PushProvider {
  readonly kind: PushProviderKind;
  /** Sends one notification to one endpoint of its kind. */
  send(endpoint: PushEndpointRecord, notification: PushNotification): Promise<PushResult>;
  /** Closes its connections (APNs keeps one HTTP/2 session open). */
  close(): Promise<void>;
}
