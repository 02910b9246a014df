#!/usr/bin/env node
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { type StreamResponse, LiveService, StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import { AuthService, type LoginResponse, LoginRequestSchema, RegisterRequestSchema } from "@chat/gen/chat/v1/user_pb.js";
import { Backoff } from "@chat/client";
import { grpcClient, unary } from "./grpc-client.ts";

/**
 * The echo bot: answers every message it receives with "echo: <text>". A small but complete bot:
 * logs in (registering on first run), holds one LiveService.Stream over gRPC, reconnects with
 * backoff and resumes from the last seq it saw, marks what it answered as read, and replies idempotently (its client message id is derived
 * from the message it answers), so a restart that sees a message again never answers twice.
 */
const { values } = parseArgs({
  options: {
    server: { type: "string", default: process.env.CHAT_SERVER ?? "127.0.0.1:8080" },
    username: { type: "string", default: process.env.CHAT_BOT_USERNAME ?? "echo" },
    password: { type: "string", default: process.env.CHAT_BOT_PASSWORD ?? "" },
  },
});
const address = values.server!.replace(/^https?:\/\//, "");
if (!values.password) {
  console.error("echo-bot: set --password or CHAT_BOT_PASSWORD");
  process.exit(2);
}

const auth = grpcClient(AuthService, address);
const live = grpcClient(LiveService, address);
const me = await logIn(values.username!, values.password);
console.error(`echo-bot: @${values.username} (${me.user!.id}) on ${address}`);
const backoff = new Backoff();
/** The last seq seen per conversation: after a reconnect the bot resumes there and answers what it missed. */
const cursors = new Map<string, bigint>();
connect();

async function logIn(username: string, password: string): Promise<LoginResponse> {
  try {
    return await unary<LoginResponse>(auth, "login", create(LoginRequestSchema, { username, password, deviceName: "echo-bot" }));
  } catch (err) {
    if ((err as grpc.ServiceError).code !== grpc.status.UNAUTHENTICATED) throw err;
    return unary<LoginResponse>(auth, "register", create(RegisterRequestSchema, { username, password, deviceName: "echo-bot" }));
  }
}

/** Opens the stream; on any end, waits (full jitter) and opens it again. */
function connect(): void {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${me.token}`);
  const call = live.stream!(metadata) as grpc.ClientDuplexStream<unknown, StreamResponse>;
  let heartbeat: NodeJS.Timeout | undefined;
  const write = (frame: Parameters<typeof create<typeof StreamRequestSchema>>[1]) => call.write(create(StreamRequestSchema, frame));
  call.on("data", ({ frame }: StreamResponse) => {
    const f = frame?.frame;
    if (f?.case === "ready") {
      backoff.reset();
      // Live from now on in new conversations; resumed where it left off in the others.
      write({ frame: { case: "resume", value: { cursors: [...cursors].map(([conversationId, seq]) => ({ conversationId, seq })) } } });
      heartbeat = setInterval(() => write({ frame: { case: "heartbeat", value: {} } }), f.value.heartbeatIntervalMs);
    } else if (f?.case === "message") {
      const m = f.value;
      cursors.set(m.conversationId, m.seq);
      if (m.senderId === me.user!.id) return;
      write({ frame: { case: "send", value: { conversationId: m.conversationId, clientMessageId: `echo-${m.conversationId}-${m.seq}`, text: `echo: ${m.text}` } } });
      write({ frame: { case: "markRead", value: { conversationId: m.conversationId, seq: m.seq } } });
    } else if (f?.case === "error") {
      console.error(`echo-bot: refused: ${f.value.message}`);
    }
  });
  let ended = false;
  const again = (why: string) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    const delay = backoff.next();
    console.error(`echo-bot: stream ended (${why}); reconnecting in ${delay} ms`);
    setTimeout(connect, delay);
  };
  call.on("error", (err: grpc.ServiceError) => again(err.details || err.message));
  call.on("end", () => again("closed by the server"));
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
