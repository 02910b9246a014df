import { bearer, type ChatClients, createChatClients } from "@chat/client";
import { createConnectTransport } from "@connectrpc/connect-web";

/**
 * The clients of one server, over the Connect protocol on fetch: what a browser (and so Electron's
 * renderer) can speak. Server streaming works on fetch; client streaming does not, which is why the
 * live session runs on `subscribeLink`. With a token, every call carries it.
 */
export function connectTo(serverUrl: string, token?: string): ChatClients {
  return createChatClients(createConnectTransport({
    baseUrl: serverUrl,
    useBinaryFormat: true,
    interceptors: token ? [bearer(token)] : [],
  }));
}
