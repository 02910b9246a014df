import { readFileSync } from "node:fs";
import { ApnsProvider, type ApnsProviderOptions } from "./apns-provider.ts";
import { FcmProvider, type FcmProviderOptions } from "./fcm-provider.ts";
import { parseServiceAccount } from "./google-access-token.ts";
import type { PushProvider, PushProviderKind } from "./provider.ts";
import { type VapidKeys, WebPushProvider, type WebPushProviderOptions } from "./web-push-provider.ts";

/**
 * The push credentials as configuration names them (config.ts turns `--push-*` flags and `CHAT_PUSH_*`
 * variables into this): file paths and identifiers, one optional block per service. A service without
 * its block is not configured: registering an endpoint for it is FailedPrecondition.
 */
export interface PushCredentialsConfig {
  webPush?: {
    /** JSON `{"publicKey": …, "privateKey": …}` (base64url), as `chat-server push vapid-keys` writes it. */
    vapidKeysFile: string;
    /** VAPID `sub`: `mailto:ops@example.com` or an `https:` URL. */
    subject: string;
    /** Hosts Web Push endpoints may be on; default the browsers' push services. */
    endpointHosts?: readonly string[] | undefined;
  } | undefined;
  fcm?: {
    /** The service-account key file (JSON) of the Firebase project, from its console. */
    serviceAccountFile: string;
    /** FCM's base URL; default https://fcm.googleapis.com. */
    baseUrl?: string | undefined;
  } | undefined;
  apns?: {
    /** The .p8 token-signing key file from the Apple developer account. */
    keyFile: string;
    /** Its Key ID. */
    keyId: string;
    /** The developer account's Team ID. */
    teamId: string;
    /** The app's bundle id. */
    topic: string;
    /** Default https://api.push.apple.com. */
    productionUrl?: string | undefined;
    /** Default https://api.sandbox.push.apple.com. */
    sandboxUrl?: string | undefined;
  } | undefined;
  /** Extra CA certificates (PEM file) every provider trusts beside the public roots (a proxy's, a test's). */
  caFile?: string | undefined;
  /** Longest wait for one push service's answer; default 10 s. */
  timeoutMs?: number | undefined;
}

/** Every provider's options, credentials in memory (what {@link readPushCredentials} makes of the files). */
export interface PushProvidersOptions {
  webPush?: WebPushProviderOptions | undefined;
  fcm?: FcmProviderOptions | undefined;
  apns?: ApnsProviderOptions | undefined;
}

/** What providers tell the node beside their results, for its log. */
export interface PushProviderEvents {
  /**
   * A kept connection ended outside any request (APNs: a GOAWAY, a connection error): the next push
   * reconnects, so this is for a log line, not an action.
   */
  onConnectionEnd?: ((kind: PushProviderKind, reason: string) => void) | undefined;
}

/** The providers a node has credentials for. */
export interface PushProviders {
  /** The configured kinds, in a stable order (webpush, fcm, apns): `GetPushSettings.providers`. */
  readonly kinds: readonly PushProviderKind[];
  /** The provider of a kind, undefined when not configured. */
  get(kind: PushProviderKind): PushProvider | undefined;
  /** The VAPID public key browsers subscribe with; "" when Web Push is not configured. */
  readonly webPushPublicKey: string;
  /** Closes every provider's connections (on shutdown, after the worker drained). */
  close(): Promise<void>;
}

/**
 * Builds the providers that have options. Throws when credentials are unusable (a key that does not
 * parse, a bad VAPID subject): a misconfigured node should stop at startup, not fail on every push.
 */
export function createPushProviders(options: PushProvidersOptions, events: PushProviderEvents = {}): PushProviders {
  const webPush = options.webPush ? new WebPushProvider(options.webPush) : undefined;
  const fcm = options.fcm ? new FcmProvider(options.fcm) : undefined;
  const onSessionEnd = events.onConnectionEnd && ((reason: string) => events.onConnectionEnd?.("apns", reason));
  const apns = options.apns ? new ApnsProvider({ onSessionEnd, ...options.apns }) : undefined;
  const byKind = new Map<PushProviderKind, PushProvider>();
  for (const provider of [webPush, fcm, apns]) if (provider) byKind.set(provider.kind, provider);
  return {
    kinds: [...byKind.keys()],
    get: (kind) => byKind.get(kind),
    webPushPublicKey: webPush?.publicKey ?? "",
    close: async () => {
      await Promise.all([...byKind.values()].map((provider) => provider.close()));
    },
  };
}

/** Reads the credential files of a configuration; throws naming the file and what is wrong with it. */
export function readPushCredentials(config: PushCredentialsConfig): PushProvidersOptions {
  const ca = config.caFile ? readFileSync(config.caFile) : undefined;
  const common = { ca, timeoutMs: config.timeoutMs };
  const { webPush: web, fcm, apns } = config;
  return {
    webPush: web && { ...common, vapidKeys: readVapidKeys(web.vapidKeysFile), subject: web.subject, endpointHosts: web.endpointHosts },
    fcm: fcm && { ...common, serviceAccount: parseServiceAccount(readJson(fcm.serviceAccountFile), fcm.serviceAccountFile), baseUrl: fcm.baseUrl },
    apns: apns && {
      ...common, signingKey: readText(apns.keyFile), keyId: apns.keyId, teamId: apns.teamId, topic: apns.topic,
      productionUrl: apns.productionUrl, sandboxUrl: apns.sandboxUrl,
    },
  };
}

function readVapidKeys(file: string): VapidKeys {
  const keys = readJson(file) as Partial<VapidKeys>;
  if (typeof keys.publicKey !== "string" || typeof keys.privateKey !== "string") {
    throw new Error(`${file}: expected {"publicKey": …, "privateKey": …} as \`chat-server push vapid-keys\` writes`);
  }
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}

/** A credentials file parsed as JSON, or an error that names it. */
function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A credentials file's text, or an error that names it. */
function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
