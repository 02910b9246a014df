import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  type PushEndpoint, PushEndpointSchema, PushProvider, PushService, type PushSettings, PushSettingsSchema,
} from "@chat/gen/chat/v1/push_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { PushSettingsRecord } from "../engines/store/push-store.ts";
import type { PushEndpointRecord, PushProviderKind } from "../push/providers/provider.ts";
import type { PushRegistry } from "../push/push-registry.ts";

/** What PushService serves from: the registry, and what the server can push through. */
export interface PushServiceDeps {
  registry: PushRegistry;
  /** The providers the server has credentials for. */
  configured: readonly PushProviderKind[];
  /** The VAPID public key (base64url); "" without Web Push. */
  webPushPublicKey: string;
}

/** chat.v1.PushService: devices' push endpoints and users' push settings. */
export function registerPushService(router: ConnectRouter, deps: PushServiceDeps): void {
  const { registry } = deps;
  router.service(PushService, {
    async registerPushEndpoint(req, ctx) {
      const e = req.endpoint;
      const stored = await registry.register(callerOf(ctx), e && {
        provider: kindOf[e.provider], token: e.token, p256dh: e.p256dh, auth: e.auth, apnsSandbox: e.apnsSandbox,
      });
      return { endpoint: toEndpoint(stored) };
    },
    async unregisterPushEndpoint(_req, ctx) {
      await registry.unregister(callerOf(ctx));
      return {};
    },
    async getPushSettings(_req, ctx) {
      const { settings, endpoint } = await registry.get(callerOf(ctx));
      return {
        settings: toSettings(settings), ...(endpoint ? { endpoint: toEndpoint(endpoint) } : {}),
        providers: deps.configured.map((k) => providerOf[k]), webPushPublicKey: deps.webPushPublicKey,
      };
    },
    async setPushSettings(req, ctx) {
      const settings = await registry.setSettings(callerOf(ctx), req.settings && { showPreviews: req.settings.showPreviews });
      return { settings: toSettings(settings) };
    },
  });
}

const providerOf: Record<PushProviderKind, PushProvider> = {
  webpush: PushProvider.WEB_PUSH, fcm: PushProvider.FCM, apns: PushProvider.APNS,
};
/** The domain's kind of a wire provider; undefined for UNSPECIFIED and unknown numbers. */
const kindOf: Partial<Record<PushProvider, PushProviderKind>> = Object.fromEntries(
  Object.entries(providerOf).map(([k, p]) => [p, k as PushProviderKind]));

function toEndpoint(e: PushEndpointRecord): PushEndpoint {
  return create(PushEndpointSchema, {
    provider: providerOf[e.provider], token: e.token, p256dh: e.p256dh ?? "", auth: e.auth ?? "", apnsSandbox: e.apnsSandbox ?? false,
    deviceId: e.deviceId, registeredAt: timestampFromDate(e.registeredAt),
  });
}

const toSettings = (s: PushSettingsRecord): PushSettings => create(PushSettingsSchema, { showPreviews: s.showPreviews });
