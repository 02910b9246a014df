import net from "node:net";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, type Protocol, startNode } from "./harness.ts";

/*
 * Issue 9: a login flood from one address is refused before connect-es builds the calls
 * (auth/password-gate.ts), in each protocol's own form, with the retry info clients wait out.
 */
describe("the password gate", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode({ args: ["--rate-limits", "loginPerIp=2/0.01,registerPerIp=1/0.01"] });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A transport of `protocol` whose connections come from `localAddress`. */
  const transportFrom = (protocol: Protocol, localAddress: string): Transport => {
    const { hostname, port } = new URL(server.url);
    if (protocol === "grpc") {
      return createGrpcTransport({ baseUrl: server.url, nodeOptions: { createConnection: () => net.connect({ host: hostname, port: Number(port), localAddress }) } });
    }
    const create = protocol === "connect" ? createConnectTransport : createGrpcWebTransport;
    return create({ baseUrl: server.url, httpVersion: "1.1", nodeOptions: { localAddress } });
  };
  const failure = (call: Promise<unknown>) => call.then(() => undefined, (err: unknown) => ConnectError.from(err));

  it.each([["grpc", "127.0.3.1"], ["connect", "127.0.3.2"], ["grpc-web", "127.0.3.3"]] as const)(
    "refuses logins past the address's bucket over %s with resource_exhausted and retry info, and other addresses not", async (protocol, address) => {
      const auth = clientsFor(transportFrom(protocol, address)).auth;
      const login = () => failure(auth.login({ username: `nobody-${protocol}${process.pid}`, password: "wrong", deviceName: "t" }));
      for (let i = 0; i < 2; i++) {
        const first = await login();
        expect(first?.code, first?.rawMessage).toBe(Code.Unauthenticated);
      }
      const refused = await login();
      expect(refused?.code).toBe(Code.ResourceExhausted);
      expect(refused?.rawMessage).toMatch(/login attempts from your address/);
      expect(Number(refused?.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(refused?.metadata.get("retry-after-ms"))).toBeGreaterThan(0);
      const other = clientsFor(transportFrom(protocol, address.replace(/\d+$/, (n) => String(Number(n) + 100)))).auth;
      expect((await failure(other.login({ username: `nobody-${protocol}${process.pid}`, password: "wrong", deviceName: "t" })))?.code).toBe(Code.Unauthenticated);
    });

  it("refuses registrations past the address's bucket", async () => {
    const auth = clientsFor(transportFrom("connect", "127.0.3.4")).auth;
    const register = (i: number) => failure(auth.register({ username: `gated${i}${process.pid}`, password: "correct horse battery", deviceName: "t" }));
    expect(await register(1)).toBeUndefined();
    const refused = await register(2);
    expect(refused?.code).toBe(Code.ResourceExhausted);
    expect(Number(refused?.metadata.get("retry-after-ms"))).toBeGreaterThan(0);
  });

  it("counts its refusals in chat_rpc_total, as the router's calls are counted", async () => {
    // The three protocol cases above had one refusal each, the registration case one.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const count = (method: string) => Number(metrics.match(new RegExp(`chat_rpc_total\\{method="${method}",code="ResourceExhausted"\\} (\\d+)`))?.[1] ?? 0);
    expect(count("Login")).toBeGreaterThanOrEqual(3);
    expect(count("Register")).toBeGreaterThanOrEqual(1);
  });
});
