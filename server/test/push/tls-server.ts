import { readFileSync } from "node:fs";
import type { Server as HttpsServer } from "node:https";
import type { Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { makeTestCertificate } from "../services/test-certificate.ts";

/** A fake's TLS server listening on loopback, with the CA its certificate chains to. */
export interface ListeningFake {
  origin: string;
  ca: Buffer;
  close(): Promise<void>;
}

/**
 * Gives `create` a throwaway certificate for 127.0.0.1, listens on a free loopback port and returns the
 * origin: the fakes speak TLS as the real services do, and a provider trusts them through its `ca`.
 */
export async function listenWithTls(create: (tls: { cert: Buffer; key: Buffer }) => HttpsServer | Http2SecureServer): Promise<ListeningFake> {
  const certificate = makeTestCertificate();
  const server = create({ cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) });
  // Both kinds are TLS servers: their connections are what close() must end (kept-alive, or an HTTP/2 session).
  const sockets = new Set<TLSSocket>();
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: certificate.ca,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      certificate.remove();
    },
  };
}
