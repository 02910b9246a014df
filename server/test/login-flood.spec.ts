import net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, newId, registerUser, startNode, type TestUser } from "./harness.ts";

/*
 * Issue 9, item 2: a login flood on a node with its default limits is throttled (most attempts refused
 * before any argon2 check) while other users keep working. What the flood does to their latency is a
 * figure, measured by `npm run bench:hardening` (median of 3 rounds, docs/benchmarks.md), not asserted
 * here: on shared cores any process busy on one core moves a p99 (see the doc's control figure).
 */
describe("a login flood with the default limits", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;
  beforeAll(async () => {
    server = await startNode();
    [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    conversationId = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Logs alice in, waiting out ResourceExhausted refusals as clients do (retry-after-ms), within 20 s. */
  async function loginAsAlice(): Promise<string> {
    const auth = clientsFor(createGrpcTransport({ baseUrl: server.url })).auth;
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        return (await auth.login({ username: alice.username, password: "correct horse battery", deviceName: "during" })).deviceId;
      } catch (err) {
        const e = ConnectError.from(err);
        if (e.code !== Code.ResourceExhausted || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, Number(e.metadata.get("retry-after-ms") ?? 500)));
      }
    }
  }

  it("refuses most attempts with resource_exhausted, answers the rest unauthenticated, and serves other users' sends and logins meanwhile", async () => {
    const { hostname, port } = new URL(server.url);
    // The attacker's own loopback address, so that the per-address bucket it fills is not the test's.
    const attacker = clientsFor(createGrpcTransport({ baseUrl: server.url, nodeOptions: {
      createConnection: () => net.connect({ host: hostname, port: Number(port), localAddress: "127.0.4.1" }),
    } })).auth;
    const flood = Promise.allSettled(Array.from({ length: 80 }, (_, i) =>
      attacker.login({ username: `nobody${i}`, password: "wrong password", deviceName: "x" })));
    const sends = (async () => {
      const acked: bigint[] = [];
      for (let i = 0; i < 100; i++) {
        acked.push((await bob.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: `during ${i}` })).seq);
      }
      return acked;
    })();
    const [outcomes, seqs, deviceId] = await Promise.all([flood, sends, loginAsAlice()]);

    const codes = outcomes.map((r) => (r.status === "rejected" ? ConnectError.from(r.reason).code : "accepted"));
    const refused = codes.filter((c) => c === Code.ResourceExhausted).length;
    expect(refused, codes.join(",")).toBeGreaterThanOrEqual(60);
    expect(codes.every((c) => c === Code.ResourceExhausted || c === Code.Unauthenticated), codes.join(",")).toBe(true);
    expect(seqs).toHaveLength(100);
    expect(new Set(seqs).size).toBe(100);
    expect(deviceId).not.toBe("");
  }, 60_000);
});
