import type { PushCredentialSettings } from "../config.ts";
import type { NodeProviders } from "./push.ts";

/**
 * The providers a node's configuration gives it credentials for. Interim: the providers
 * (push/providers/push-providers.ts) are being built beside this; until they are merged, a node
 * pushes through none, and a configured service stops the start rather than silently send nothing.
 */
export function pushProvidersOf(credentials: PushCredentialSettings): NodeProviders {
  if (credentials.webPush || credentials.fcm || credentials.apns) throw new Error("push providers are not built into this version yet");
  return { kinds: [], webPushPublicKey: "", get: () => undefined, close: async () => {} };
}
