import { io, type Socket } from "socket.io-client";
import type { Device, DeviceAccount, DeviceCursor, DeviceHandlers } from "./device.ts";

/** The message event of the Socket.IO peer (JSON, the peer's own protocol). */
export interface PeerMessage {
  conversationId: string;
  seq: number;
  senderId: string;
  clientMessageId: string;
  text: string;
  sentAt: number;
}

/**
 * A device of the Socket.IO peer: its own WebSocket connection (`forceNew`, no HTTP long-polling
 * upgrade dance), joining its conversations' rooms at connect, sending with a server ACK callback.
 */
export class SocketIoDevice implements Device {
  private readonly baseUrl: string;
  private readonly account: DeviceAccount;
  private readonly handlers: DeviceHandlers;
  private socket: Socket | undefined;
  heartbeats = 0;

  constructor(baseUrl: string, account: DeviceAccount, handlers: DeviceHandlers) {
    this.baseUrl = baseUrl;
    this.account = account;
    this.handlers = handlers;
  }

  connect(): Promise<void> {
    const socket = io(this.baseUrl, {
      transports: ["websocket"], forceNew: true, reconnection: false,
      auth: { userId: this.account.userId, rooms: this.account.conversationIds },
    });
    this.socket = socket;
    socket.on("message", (m: PeerMessage) => this.handlers.message(m.conversationId, m.seq, m.text, m.senderId === this.account.userId));
    return new Promise((resolve, reject) => {
      // The server joins the rooms before it says "joined", so nothing sent after it is missed.
      socket.once("joined", () => resolve());
      socket.once("connect_error", (err) => reject(err));
      socket.on("disconnect", (reason) => {
        if (reason !== "io client disconnect") this.handlers.error("stream", `disconnected: ${reason}`);
      });
    });
  }

  async resume(cursors: readonly DeviceCursor[]): Promise<DeviceCursor[]> {
    return [...cursors]; // the peer keeps no history: there is nothing to replay
  }

  send(conversationId: string, clientMessageId: string, text: string): void {
    this.socket?.emit("send", { conversationId, clientMessageId, text }, (reply: { error?: string }) => {
      if (reply.error) this.handlers.error("frame", reply.error);
      else this.handlers.ack(clientMessageId);
    });
  }

  heartbeat(): void {
    this.heartbeats++; // Engine.IO pings by itself; nothing for the application to send
  }

  close(): void {
    this.socket?.disconnect();
  }
}
