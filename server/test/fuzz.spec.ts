import http from "node:http";
import http2 from "node:http2";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import { type FuzzCall, fuzzCalls } from "./fuzz-frames.ts";
import { type TestUser, loginDevice, registerUser, startNode } from "./harness.ts";
import { type RawTarget, everyMethod, rawCall, wireProtocols } from "./raw-rpc.ts";

/**
 * Property-based fuzzing of every RPC in every protocol (Connect binary and JSON, gRPC, gRPC-Web;
 * over HTTP/2, and HTTP/1.1 where the protocol allows): valid requests with random field values,
 * damaged valid requests, random bytes and damaged envelopes. The node must answer each with a
 * precise code (never `internal`, `unknown` or a 5xx), in bounded time, and stay healthy and small.
 *
 * A fixed seed keeps CI repeatable; CHAT_FUZZ_RUNS and CHAT_FUZZ_SEED explore further, e.g.
 * `CHAT_FUZZ_RUNS=20000 CHAT_FUZZ_SEED=$RANDOM npx vitest run server/test/fuzz.spec.ts`.
 */
const runs = Number(process.env.CHAT_FUZZ_RUNS ?? 600);
const seed = Number(process.env.CHAT_FUZZ_SEED ?? 20_261_130);
/** Codes that blame the server, or say it did not answer. */
const serverFaults = ["internal", "unknown", "data_loss", "hang", "reset"];
/** A unary call must be answered by then; a stream must at least have answered its headers. */
const unaryDeadlineMs = 5_000;
const streamDeadlineMs = 300;

describe("fuzz: random and damaged requests on every RPC, in every protocol", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let user: TestUser;
  /** A second device of the user, the one Logout calls may end (the main token must survive the run). */
  let expendable: TestUser;
  let conversationId: string;
  let session: http2.ClientHttp2Session | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    server = await startNode();
    const peer = await registerUser(server, "fuzzpeer");
    user = await registerUser(server, "fuzz");
    expendable = await loginDevice(server, user);
    conversationId = (await user.clients.conversations.getOrCreateDirect({ userId: peer.id })).conversation!.id;
  });
  afterAll(async () => {
    session?.destroy();
    agent.destroy();
    await server?.close();
  });

  /** The HTTP/2 session, opened again if the server closed it (a GOAWAY is a fair answer to garbage). */
  function h2(): http2.ClientHttp2Session {
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(server.url);
      session.on("error", () => {}); // a torn-down session is replaced on the next call
    }
    return session;
  }

  async function call(c: FuzzCall, overHttp1: boolean) {
    const target: RawTarget = overHttp1 && c.protocol !== "grpc"
      ? { http1: { host: "127.0.0.1", port: server.port, agent } } : { http2: h2() };
    const streaming = c.method.methodKind !== "unary";
    const token = !c.authenticated ? undefined : c.method === AuthService.method.logout ? expendable.token : user.token;
    return rawCall(target, c.protocol, `/${c.method.parent.typeName}/${c.method.name}`, c.messages, {
      streaming, token, rawBody: c.rawBody, deadlineMs: streaming ? streamDeadlineMs : unaryDeadlineMs,
    });
  }

  it(`answers ${runs} generated calls with precise codes in bounded time, and stays healthy`, { timeout: 60_000 + runs * 100 }, async () => {
    const rssBefore = process.memoryUsage().rss;
    const codes = new Map<string, number>();
    const known = { userId: user.id, username: user.username, conversationId };
    await fc.assert(fc.asyncProperty(fuzzCalls(everyMethod, wireProtocols, known), fc.boolean(), async (c, overHttp1) => {
      const got = await call(c, overHttp1);
      codes.set(got.code, (codes.get(got.code) ?? 0) + 1);
      // 505 is connect-es's answer to a bidirectional stream over HTTP/1.1 (it needs HTTP/2): the client's error, rightly.
      const h1Bidi = overHttp1 && c.protocol !== "grpc" && c.method.methodKind === "bidi_streaming" && got.httpStatus === 505;
      const fault = serverFaults.includes(got.code) || (got.httpStatus >= 500 && !h1Bidi);
      if (fault) throw new Error(`${c.shape}${overHttp1 ? " over HTTP/1.1" : ""}: ${got.httpStatus} ${got.code} ${got.message}`);
    }), { seed, numRuns: runs });

    // The generator reached past decoding (valid calls succeeded) as well as into it.
    expect(codes.get("ok") ?? 0).toBeGreaterThan(0);
    expect(codes.get("invalid_argument") ?? 0).toBeGreaterThan(0);
    // Still serving, every fuzzed stream gone, and no growth beyond what a busy heap may keep.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await expect(user.clients.auth.whoAmI({})).resolves.toMatchObject({ user: { id: user.id } });
    const deadline = Date.now() + 5_000;
    while ([...server.chat.hub.ofUser(user.id)].length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect([...server.chat.hub.ofUser(user.id)]).toHaveLength(0);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });
});
