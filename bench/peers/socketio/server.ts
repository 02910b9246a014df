#!/usr/bin/env node
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";

/**
 * The Socket.IO peer the benchmark compares the chat server with: the same direct and group work
 * done the way a typical Socket.IO chat does it.
 *
 * - a connection joins one room per conversation it names in its handshake (no accounts, no
 *   membership store: the peer trusts the client);
 * - `send` gets a per-conversation counter as its seq, is broadcast to the room (the sender's own
 *   socket included, like the chat server's echo to the sender's devices), then ACKed by callback;
 * - broadcasts go through @socket.io/redis-adapter, so the peer is cluster-ready like the chat server;
 * - NOTHING is persisted: a message lives only in the sockets' buffers. The seq counter is per node,
 *   so across several nodes it orders nothing (the chat server's seq is allocated by its store).
 */
const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, "redis-url": { type: "string" } } });
const redisUrl = values["redis-url"];
if (!redisUrl) throw new Error("--redis-url is required");

const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub), serveClient: false, transports: ["websocket"] });
const seqs = new Map<string, number>();

interface SendRequest {
  conversationId: string;
  clientMessageId: string;
  text: string;
}

io.on("connection", (socket) => {
  const auth = socket.handshake.auth as { userId?: string; rooms?: string[] };
  const userId = String(auth.userId ?? "");
  void socket.join(Array.isArray(auth.rooms) ? auth.rooms.map(String) : []);
  socket.emit("joined");
  socket.on("send", (req: SendRequest, ack: (reply: object) => void) => {
    if (typeof ack !== "function") return;
    if (!req || !socket.rooms.has(req.conversationId)) return ack({ error: "not a member of this conversation" });
    if (typeof req.text !== "string" || req.text.trim() === "" || req.text.length > 65_536) return ack({ error: "bad text" });
    const seq = (seqs.get(req.conversationId) ?? 0) + 1;
    seqs.set(req.conversationId, seq);
    const sentAt = Date.now();
    io.to(req.conversationId).emit("message", {
      conversationId: req.conversationId, seq, senderId: userId, clientMessageId: req.clientMessageId, text: req.text, sentAt,
    });
    ack({ seq, sentAt });
  });
});

http.listen(Number(values.port), "127.0.0.1", () => {
  console.error(`socket.io peer ready on http://127.0.0.1:${(http.address() as AddressInfo).port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void io.close();
    pub.disconnect();
    sub.disconnect();
    process.exit(0);
  });
}
