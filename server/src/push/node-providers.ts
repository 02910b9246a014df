import { createPushProviders, type PushCredentialsConfig, readPushCredentials } from "./providers/push-providers.ts";
import type { NodeProviders } from "./push.ts";

/**
 * The providers a node's configuration gives it credentials for: the credential files read once at
 * start (a missing or malformed one stops the start, naming the file), then one provider per service.
 */
export function pushProvidersOf(credentials: PushCredentialsConfig): NodeProviders {
  return createPushProviders(readPushCredentials(credentials));
}
