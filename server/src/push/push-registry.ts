import type { Store } from "../engines/store/interface.ts";
import type { PushSettingsRecord } from "../engines/store/push-store.ts";
import type { Caller } from "../core/caller.ts";
import { failedPrecondition, invalidArgument, permissionDenied } from "../core/errors.ts";
import type { PushEndpointRecord, PushProviderKind } from "./providers/provider.ts";

/** An endpoint as a device asks to register it (push.proto's PushEndpoint, without what the server sets). */
export interface EndpointRequest {
  provider: PushProviderKind | undefined;
  token: string;
  p256dh: string;
  auth: string;
  apnsSandbox: boolean;
}

/** Options of {@link PushRegistry}. */
export interface PushRegistryOptions {
  store: Pick<Store, "putPushEndpoint" | "getPushEndpoint" | "deletePushEndpoint" | "getPushSettings" | "putPushSettings">;
  /** The providers the server has credentials for. */
  configured: readonly PushProviderKind[];
}

/** Longest token any push service hands out, with room to spare (push.proto). */
const maxTokenLength = 2_048;

/**
 * Devices' push endpoints and users' push settings (PushService): the rules of push.proto on what an
 * endpoint is, each broken one answered with InvalidArgument naming the field.
 */
export class PushRegistry {
  private readonly options: PushRegistryOptions;

  constructor(options: PushRegistryOptions) {
    this.options = options;
  }

  /** Registers the calling device's endpoint, replacing the one it had (and moving the token here). */
  async register(caller: Caller, req: EndpointRequest | undefined): Promise<PushEndpointRecord> {
    if (caller.scope) throw permissionDenied("bot tokens do not receive push notifications");
    const endpoint = this.validate(caller, req);
    await this.options.store.putPushEndpoint(endpoint);
    return endpoint;
  }

  /** Removes the calling device's endpoint (nothing to do when it has none). */
  async unregister(caller: Caller): Promise<void> {
    await this.options.store.deletePushEndpoint(caller.userId, caller.deviceId);
  }

  /** The caller's settings and the calling device's endpoint. */
  async get(caller: Caller): Promise<{ settings: PushSettingsRecord; endpoint: PushEndpointRecord | undefined }> {
    const [settings, endpoint] = await Promise.all([
      this.options.store.getPushSettings(caller.userId), this.options.store.getPushEndpoint(caller.userId, caller.deviceId),
    ]);
    return { settings, endpoint };
  }

  /** Replaces the caller's settings. */
  async setSettings(caller: Caller, settings: PushSettingsRecord | undefined): Promise<PushSettingsRecord> {
    if (!settings) throw invalidArgument("settings: required");
    await this.options.store.putPushSettings(caller.userId, settings);
    return settings;
  }

  private validate(caller: Caller, req: EndpointRequest | undefined): PushEndpointRecord {
    if (!req) throw invalidArgument("endpoint: required");
    const { provider, token } = req;
    if (!provider) throw invalidArgument("endpoint.provider: must be PUSH_PROVIDER_WEB_PUSH, PUSH_PROVIDER_FCM or PUSH_PROVIDER_APNS");
    if (token.length < 1 || token.length > maxTokenLength) throw invalidArgument(`endpoint.token: 1 to ${maxTokenLength} characters`);
    if (provider !== "webpush" && (req.p256dh || req.auth)) throw invalidArgument("endpoint.p256dh, endpoint.auth: only for Web Push");
    if (provider !== "apns" && req.apnsSandbox) throw invalidArgument("endpoint.apns_sandbox: only for APNs");
    const base = { userId: caller.userId, deviceId: caller.deviceId, provider, token, registeredAt: new Date() };
    let endpoint: PushEndpointRecord;
    if (provider === "webpush") {
      requireWebPushUrl(token);
      requireKey(req.p256dh, "endpoint.p256dh", 65, "an uncompressed P-256 point", (b) => b[0] === 4);
      requireKey(req.auth, "endpoint.auth", 16, "the 16-byte auth secret");
      endpoint = { ...base, p256dh: req.p256dh, auth: req.auth };
    } else if (provider === "fcm") {
      if (!/^[A-Za-z0-9_:.-]+$/.test(token)) throw invalidArgument("endpoint.token: an FCM registration token has letters, digits and _:.- only");
      endpoint = base;
    } else {
      if (!/^(?:[0-9a-fA-F]{2}){32,100}$/.test(token)) throw invalidArgument("endpoint.token: an APNs device token is 32 to 100 bytes in hex");
      endpoint = { ...base, token: token.toLowerCase(), ...(req.apnsSandbox ? { apnsSandbox: true } : {}) };
    }
    // After the form: a malformed endpoint is InvalidArgument whatever the server's credentials.
    if (!this.options.configured.includes(provider)) throw failedPrecondition(`this server has no credentials for ${providerName[provider]}`);
    return endpoint;
  }
}

/** Checks a Web Push endpoint URL. */
function requireWebPushUrl(token: string): void {
  let url: URL;
  try {
    url = new URL(token);
  } catch {
    throw invalidArgument("endpoint.token: a Web Push endpoint is the subscription's https URL");
  }
  // The server POSTs to this URL: https only (the Web Push provider also holds it to its allowed hosts).
  if (url.protocol !== "https:") throw invalidArgument("endpoint.token: a Web Push endpoint must be an https URL");
  if (url.username || url.password) throw invalidArgument("endpoint.token: a Web Push endpoint carries no credentials");
}

const providerName: Record<PushProviderKind, string> = { webpush: "Web Push", fcm: "FCM", apns: "APNs" };

/** Checks a base64url key of a Web Push subscription. */
function requireKey(value: string, field: string, bytes: number, what: string, check: (b: Buffer) => boolean = () => true): void {
  const decoded = /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, "base64url") : undefined;
  if (!decoded || decoded.length !== bytes || !check(decoded)) throw invalidArgument(`${field}: must be ${what}, base64url (${bytes} bytes)`);
}
