import { createPushProviders, type PushCredentialsConfig, readPushCredentials } from "./providers/push-providers.ts";
import type { NodeProviders } from "./push.ts";

/**
 * The providers a node's configuration gives it credentials for: the credential files read once at
 * start (a missing or malformed one stops the start, naming the file), then one provider per service.
 * `log` hears a kept connection that ended between requests (the next push reconnects).
 */
export function pushProvidersOf(credentials: PushCredentialsConfig, log: (details: object, message: string) => void): NodeProviders {
  return createPushProviders(readPushCredentials(credentials), {
    onConnectionEnd: (provider, reason) => log({ provider, reason }, "push service connection ended; the next push reconnects"),
  });
}
