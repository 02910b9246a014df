import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, type ChatClients, createChatClients } from "@chat/client";
import { type CliConfig, caFileFor, readConfig, serverUrl } from "./config.ts";

/** A CLI run's view of the server: its URL, its config, and the clients on one HTTP/2 connection. */
export interface Connection {
  server: string;
  config: CliConfig;
  clients: ChatClients;
  /** The CA certificate to trust for a private TLS server (plain HTTP calls, like downloads, need it too). */
  ca?: Buffer;
}

/**
 * gRPC over HTTP/2 (the bidirectional stream needs it): h2c for `http://`, TLS for `https://`
 * (checked against `caFile` when given, for a self-signed or private CA). HTTP/2 pings notice a
 * server that vanished without closing the connection (a cable pulled, a VM frozen) within about
 * 15 s, so the live session reconnects instead of waiting forever on a dead socket.
 */
export function connect(server: string, config: CliConfig, caFile?: string): Connection {
  const ca = caFile ? readCa(caFile) : undefined;
  const transport = createGrpcTransport({
    baseUrl: server,
    interceptors: [bearer(() => config.token)],
    pingIntervalMs: 10_000,
    pingTimeoutMs: 5_000,
    ...(ca ? { nodeOptions: { ca } } : {}),
  });
  return { server, config, clients: createChatClients(transport), ...(ca ? { ca } : {}) };
}

/** Connects as the logged-in device; fails with Unauthenticated when nobody is logged in. */
export async function connectLoggedIn(options: { server?: string | undefined; caFile?: string | undefined }): Promise<Connection & { config: Required<Pick<CliConfig, "token" | "userId">> & CliConfig }> {
  const config = await readConfig();
  if (!config.token || !config.userId) {
    throw new ConnectError("not logged in: run `chat login <username>` or `chat register <username>` first", Code.Unauthenticated);
  }
  return connect(serverUrl(options.server, config), config, caFileFor(options.caFile, config)) as Connection & { config: Required<Pick<CliConfig, "token" | "userId">> & CliConfig };
}

/** The CA certificate file's PEM; a message naming the file when it cannot be read. */
function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the CA file ${file} (--ca-file, CHAT_CA_FILE): ${(err as Error).message}`);
  }
}
