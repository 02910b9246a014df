import http2 from "node:http2";
import tls from "node:tls";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { bearer, createChatClients } from "@chat/client";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, openStream, startNode, streamPaths } from "./harness.ts";
import { makeTestCertificate, type TestCertificate } from "./services/test-certificate.ts";

/** The client stacks a node serves over TLS, each trusting the test CA. */
const stacks: { name: string; transport: (baseUrl: string, ca: Buffer, token?: string) => Transport }[] = [
  { name: "gRPC (h2 by ALPN)", transport: (baseUrl, ca, token) => createGrpcTransport({ baseUrl, nodeOptions: { ca }, interceptors: token ? [bearer(token)] : [] }) },
  { name: "Connect over HTTP/1.1", transport: (baseUrl, ca, token) => createConnectTransport({ baseUrl, httpVersion: "1.1", nodeOptions: { ca }, interceptors: token ? [bearer(token)] : [] }) },
  { name: "Connect over h2", transport: (baseUrl, ca, token) => createConnectTransport({ baseUrl, httpVersion: "2", nodeOptions: { ca }, interceptors: token ? [bearer(token)] : [] }) },
  { name: "gRPC-Web over HTTP/1.1", transport: (baseUrl, ca, token) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1", nodeOptions: { ca }, interceptors: token ? [bearer(token)] : [] }) },
];

describe.each(streamPaths)("TLS (--tls-cert/--tls-key): h2 and HTTP/1.1 on one port by ALPN ($path)", ({ args: pathArgs }) => {
  let cert: TestCertificate;
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    cert = makeTestCertificate();
    server = await startNode({ args: [...pathArgs, "--tls-cert", cert.certFile, "--tls-key", cert.keyFile] });
  });
  afterAll(async () => {
    await server?.close();
    cert?.remove();
  });

  /** The protocol the server picks in ALPN when the client offers `protocols`. */
  const alpn = (protocols: string[]) => new Promise<string | false>((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: server.port, ca: cert.ca, ALPNProtocols: protocols }, () => {
      resolve(socket.alpnProtocol ?? false);
      socket.destroy();
    });
    socket.once("error", reject);
  });

  it("answers https only, choosing h2 or HTTP/1.1 by ALPN; no cleartext (h2c or HTTP/1.1) on a TLS port", async () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(await alpn(["h2", "http/1.1"])).toBe("h2");
    expect(await alpn(["http/1.1"])).toBe("http/1.1");
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    const h2c = http2.connect(`http://127.0.0.1:${server.port}`);
    const refused = await new Promise<unknown>((resolve) => {
      h2c.once("error", resolve);
      h2c.once("close", () => resolve("closed"));
    });
    expect(refused).toBeDefined();
    h2c.destroy();
  });

  it("refuses a client that does not trust the certificate (no silent downgrade)", async () => {
    const untrusting = createClient(AuthService, createGrpcTransport({ baseUrl: server.url }));
    await expect(untrusting.login({ username: "nobody", password: "x" })).rejects.toThrow(/certificate/i);
  });

  it.each(stacks)("$name: registers, calls with the token, and sends", async ({ transport }) => {
    const anon = createChatClients(transport(server.url, cert.ca));
    const username = `tls${newId().slice(0, 8)}`;
    const { token, user } = await anon.auth.register({ username, password: "correct horse battery", deviceName: "tls" });
    const clients = createChatClients(transport(server.url, cert.ca, token));
    expect((await clients.auth.whoAmI({})).user?.id).toBe(user!.id);
    const { conversation } = await clients.conversations.createGroup({ name: "over tls" });
    const ack = await clients.live.sendMessage({ conversationId: conversation!.id, clientMessageId: newId(), text: "sealed" });
    expect(ack.seq).toBe(conversation!.lastSeq + 1n); // after the group's system events
  });

  it("carries the live bidirectional stream (gRPC over h2) to a second device", async () => {
    const grpc = stacks[0]!.transport;
    const anon = createChatClients(grpc(server.url, cert.ca));
    const { token } = await anon.auth.register({ username: `tls${newId().slice(0, 8)}`, password: "correct horse battery", deviceName: "a" });
    const clients = createChatClients(grpc(server.url, cert.ca, token));
    const stream = await openStream({ clients });
    const { conversation } = await clients.conversations.createGroup({ name: "live over tls" });
    await clients.live.sendMessage({ conversationId: conversation!.id, clientMessageId: newId(), text: "live and sealed" });
    await stream.until(() => stream.of("message").some((m) => m.text === "live and sealed"), 5_000, "the message on the stream");
    stream.close();
  });
});
