import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { type Protocol, newId, registerUser, startNode, streamPaths } from "./harness.ts";

const protoDir = fileURLToPath(new URL("../../proto", import.meta.url));

describe.each(streamPaths)("one port, every protocol ($path)", ({ args: pathArgs }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode({ args: pathArgs });
  });
  afterAll(async () => server?.close());

  it.each<Protocol>(["grpc", "connect", "grpc-web"])("%s: register, create a conversation, send, read back", async (protocol) => {
    const [a, b] = await Promise.all([registerUser(server, "p", protocol), registerUser(server, "q", protocol)]);
    const conv = (await a.clients.conversations.getOrCreateDirect({ userId: b.id })).conversation!.id;
    const ack = await a.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `over ${protocol}` });
    const page = await b.clients.history.listMessages({ conversationId: conv });
    expect(page.messages.map((m) => [m.seq, m.text])).toEqual([[ack.seq, `over ${protocol}`]]);
  });

  it("serves a stock gRPC client (@grpc/grpc-js, proto files loaded at run time) over the bidirectional stream", async () => {
    const def = protoLoader.loadSync(["chat/v1/user.proto", "chat/v1/conversation.proto", "chat/v1/live.proto"], {
      includeDirs: [protoDir], longs: String, defaults: true, oneofs: true,
    });
    const chat = (grpc.loadPackageDefinition(def) as any).chat.v1;
    const address = new URL(server.url).host;
    const creds = grpc.credentials.createInsecure();
    const unary = (client: any, method: string, req: object, md = new grpc.Metadata()) =>
      new Promise<any>((resolve, reject) => client[method](req, md, (err: Error | null, res: any) => (err ? reject(err) : resolve(res))));

    const auth = new chat.AuthService(address, creds);
    const bot = await unary(auth, "Register", { username: `bot${process.pid}`, password: "bot password 1", deviceName: "grpc-js" });
    const human = await registerUser(server, "human");
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${bot.token}`);
    const conversations = new chat.ConversationService(address, creds);
    const conv = (await unary(conversations, "GetOrCreateDirect", { userId: human.id }, md)).conversation.id;

    const live = new chat.LiveService(address, creds);
    const call = live.Stream(md);
    const frames: any[] = [];
    const acked = new Promise<any>((resolve, reject) => {
      call.on("data", (res: any) => {
        frames.push(res.frame);
        if (res.frame.ready) call.write({ requestId: "1", send: { conversationId: conv, clientMessageId: newId(), text: "beep from grpc-js" } });
        if (res.frame.ack) resolve(res.frame);
      });
      call.on("error", reject);
    });
    const ack = await acked;
    expect(ack.requestId).toBe("1");
    expect(ack.ack.seq).toBe("1");
    const page = await human.clients.history.listMessages({ conversationId: conv });
    expect(page.messages[0]?.text).toBe("beep from grpc-js");

    const denied = await unary(conversations, "ListConversations", {}).catch((e: grpc.ServiceError) => e);
    expect((denied as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
    call.cancel();
    [auth, conversations, live].forEach((c) => c.close());
  });
});
