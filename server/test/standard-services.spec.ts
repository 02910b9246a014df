import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@chat/gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1 } from "@chat/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1alpha } from "@chat/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { type Protocol, newId, registerUser, startNode, transportFor } from "./harness.ts";

/** Sends one raw gRPC request over HTTP/2 and resolves the response's headers. */
function rawGrpc(url: string, path: string): Promise<http2.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    req.on("response", (headers) => {
      resolve(headers);
      session.close();
    });
    req.on("error", reject);
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

describe("the standard gRPC services and answers", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode();
  });
  afterAll(async () => server?.close());

  it.each<Protocol>(["grpc", "connect", "grpc-web"])("%s: health Check answers SERVING without a token, per service and overall", async (protocol) => {
    const health = createClient(Health, transportFor(server.url, protocol));
    expect((await health.check({})).status).toBe(Status.SERVING);
    expect((await health.check({ service: "chat.v1.LiveService" })).status).toBe(Status.SERVING);
    const unknown = await health.check({ service: "no.such.Service" }).catch((e) => ConnectError.from(e));
    expect((unknown as ConnectError).code).toBe(Code.NotFound);
    const list = await health.list({});
    expect(Object.keys(list.statuses)).toEqual(expect.arrayContaining(["", "chat.v1.AuthService", "grpc.health.v1.Health"]));
  });

  it("reflection v1 and v1alpha list the services and serve each file with its imports", async () => {
    for (const service of [ReflectionV1, ReflectionV1alpha]) {
      const reflection = createClient(service as typeof ReflectionV1, transportFor(server.url, "grpc"));
      const answers = [];
      const requests = async function* () {
        yield { messageRequest: { case: "listServices" as const, value: "" } };
        yield { messageRequest: { case: "fileContainingSymbol" as const, value: "chat.v1.LiveService.Stream" } };
        yield { messageRequest: { case: "fileByFilename" as const, value: "nope.proto" } };
      };
      for await (const res of reflection.serverReflectionInfo(requests())) answers.push(res.messageResponse);
      const [list, files, missing] = answers;
      expect(list?.case === "listServicesResponse" && list.value.service.map((s) => s.name)).toEqual(expect.arrayContaining([
        "chat.v1.AuthService", "chat.v1.LiveService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
      ]));
      const names = files?.case === "fileDescriptorResponse" ? files.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name) : [];
      expect(names[0]).toBe("chat/v1/live.proto");
      expect(names).toContain("google/protobuf/timestamp.proto");
      expect(missing?.case === "errorResponse" && missing.value.errorCode).toBe(Code.NotFound);
    }
  });

  it("answers an unknown method as each protocol expects: gRPC 200 + grpc-status 12, Connect 404 unimplemented", async () => {
    const headers = await rawGrpc(server.url, "/no.such.Service/Method");
    expect(headers[":status"]).toBe(200);
    expect(headers["grpc-status"]).toBe("12");
    const web = await fetch(`${server.url}/no.such.Service/Method`, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: new Uint8Array(5) });
    expect([web.status, web.headers.get("grpc-status")]).toEqual([200, "12"]);
    const connect = await fetch(`${server.url}/chat.v1.LiveService/NoSuchMethod`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(connect.status).toBe(404);
    expect(((await connect.json()) as { code: string }).code).toBe("unimplemented");
    const client = new grpc.Client(new URL(server.url).host, grpc.credentials.createInsecure());
    const code = await new Promise((resolve) => client.makeUnaryRequest("/no.such.Service/Method", (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err) => resolve(err?.code)));
    expect(code).toBe(grpc.status.UNIMPLEMENTED);
    client.close();
    expect((await fetch(`${server.url}/favicon.ico`)).status).toBe(404);
  });

  describe("a Stream frame the server cannot read ends the stream with the reason", () => {
    const cases: [string, () => Buffer, grpc.status][] = [
      ["malformed protobuf bytes", () => Buffer.from([0x12, 0xff, 0xff, 0xff]), grpc.status.INVALID_ARGUMENT],
      ["a frame over 1 MiB", () => Buffer.from(toBinary(StreamRequestSchema, create(StreamRequestSchema, {
        frame: { case: "send", value: { conversationId: newId(), clientMessageId: newId(), text: "x".repeat(1024 * 1024 + 10) } },
      }))), grpc.status.RESOURCE_EXHAUSTED],
    ];
    it.each(cases)("%s", async (_what, bytes, expected) => {
      const user = await registerUser(server, "raw");
      const client = new grpc.Client(new URL(server.url).host, grpc.credentials.createInsecure());
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${user.token}`);
      const call = client.makeBidiStreamRequest("/chat.v1.LiveService/Stream", (b: Buffer) => b, (b: Buffer) => b, md);
      const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
      call.on("data", () => {});
      call.on("error", () => {}); // the status event carries it
      call.write(bytes());
      const { code, details } = await status;
      expect([code, details]).toEqual([expected, expect.stringMatching(/frame/)]);
      client.close();
    });
  });

  it("a half-closed Stream keeps receiving until the client cancels", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "hc"), registerUser(server, "hc")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const frames: string[] = [];
    const abort = new AbortController();
    const reading = (async () => {
      const requests = async function* () {
        yield create(StreamRequestSchema, { frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }] } } });
      }; // ends here: the request side is half-closed
      for await (const res of bob.clients.live.stream(requests(), { signal: abort.signal })) {
        frames.push(res.frame!.frame.case ?? "");
        if (res.frame?.frame.case === "resumeComplete") await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "after half-close" });
        if (res.frame?.frame.case === "message") abort.abort();
      }
    })().catch((err: unknown) => ConnectError.from(err).code);
    expect(await reading).toBe(Code.Canceled);
    expect(frames).toContain("message");
  });

  it("health Watch and /healthz turn NOT_SERVING when the node drains", async () => {
    const node = await startNode();
    const health = createClient(Health, transportFor(node.url, "grpc"));
    const seen: Status[] = [];
    const watching = (async () => {
      for await (const res of health.watch({})) {
        seen.push(res.status);
        if (res.status === Status.SERVING) node.health.drain();
        if (res.status === Status.NOT_SERVING) return;
      }
    })();
    await watching;
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
    const res = await fetch(`${node.url}/healthz`);
    expect([res.status, await res.text()]).toEqual([503, "not serving: draining\n"]);
    // Kubernetes' liveness probe asks for "liveness": alive while draining, so it is not killed early.
    expect((await health.check({ service: "liveness" })).status).toBe(Status.SERVING);
    expect((await health.check({})).status).toBe(Status.NOT_SERVING);
    await node.close();
  });
});
