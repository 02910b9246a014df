import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type ServerFrame, StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Device, DeviceAccount, DeviceCursor, DeviceHandlers } from "./device.ts";
import type { LiveStream, OpenLiveStream } from "./live-stream.ts";

/** Frames a device takes in one response (ResumeRequest.max_batch), as the client library does. */
const maxBatch = 64;

/** Options of {@link ChatDevice}. */
export interface ChatDeviceOptions {
  /** Marks every message received from another user delivered and read (two frames), as the clients do. */
  receipts: boolean;
}

/**
 * A device of the chat server: one LiveService.Stream on a connection of its own (as a phone has),
 * in gRPC's binary protobuf framing, opened by the chosen client stack. It resumes when asked and
 * heartbeats at the interval the server announces in Ready.
 */
export class ChatDevice implements Device {
  private readonly baseUrl: string;
  private readonly account: DeviceAccount;
  private readonly handlers: DeviceHandlers;
  private readonly openStream: OpenLiveStream;
  private readonly options: ChatDeviceOptions;
  private stream: LiveStream | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private resumes: ((cursors: DeviceCursor[]) => void)[] = [];
  private closed = false;
  heartbeats = 0;

  constructor(baseUrl: string, account: DeviceAccount, handlers: DeviceHandlers, openStream: OpenLiveStream, options: ChatDeviceOptions = { receipts: false }) {
    this.baseUrl = baseUrl;
    this.options = options;
    this.account = account;
    this.handlers = handlers;
    this.openStream = openStream;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = false;
      this.stream = this.openStream(this.baseUrl, this.account.token, {
        frame: (frame) => {
          if (!ready && frame.frame.case === "ready") {
            ready = true;
            // Live at once (no wait for a resume), and batched responses, as the client library asks.
            this.write({ requestId: "connect", frame: { case: "resume", value: { cursors: [], maxBatch } } });
            this.startHeartbeat(frame.frame.value.heartbeatIntervalMs);
            resolve();
          } else {
            this.onFrame(frame);
          }
        },
        hot: (frame) => {
          if (frame.case === "ack") this.handlers.ack(frame.clientMessageId);
          else this.onMessage(frame.conversationId, frame.seq, frame.senderId, frame.text);
        },
        end: (error) => {
          this.stopHeartbeat();
          if (!ready) reject(error ?? new Error("the stream ended before Ready"));
          else if (!this.closed) this.handlers.error("stream", error?.message ?? "the server ended the stream");
        },
      });
    });
  }

  resume(cursors: readonly DeviceCursor[]): Promise<DeviceCursor[]> {
    return new Promise((resolve) => {
      this.resumes.push(resolve);
      this.write({ frame: { case: "resume", value: { cursors: cursors.map((c) => ({ conversationId: c.conversationId, seq: BigInt(c.seq) })), maxBatch } } });
    });
  }

  send(conversationId: string, clientMessageId: string, text: string): void {
    this.write({ frame: { case: "send", value: { conversationId, clientMessageId, text } } });
  }

  heartbeat(): void {
    this.heartbeats++;
    this.write({ frame: { case: "heartbeat", value: {} } });
  }

  close(): void {
    this.closed = true;
    this.stopHeartbeat();
    this.stream?.close();
  }

  private write(frame: MessageInitShape<typeof StreamRequestSchema>): void {
    this.stream?.write(create(StreamRequestSchema, frame));
  }

  private onFrame(frame: ServerFrame): void {
    const f = frame.frame;
    switch (f.case) {
      case "ack":
        this.handlers.ack(f.value.clientMessageId);
        break;
      case "message":
        this.onMessage(f.value.conversationId, Number(f.value.seq), f.value.senderId, f.value.text);
        break;
      case "resumeComplete":
        if (frame.requestId === "connect") break; // the resume sent at connect
        this.resumes.shift()?.(f.value.cursors.map((c) => ({ conversationId: c.conversationId, seq: Number(c.seq) })));
        break;
      case "error":
        this.handlers.error("frame", `${f.value.code}: ${f.value.message}`);
        break;
      default:
        break; // presence, receipts, typing and membership are not what the scenarios measure
    }
  }

  private onMessage(conversationId: string, seq: number, senderId: string, text: string): void {
    const own = senderId === this.account.userId;
    this.handlers.message(conversationId, seq, text, own);
    if (this.options.receipts && !own) this.markDeliveredAndRead(conversationId, BigInt(seq));
  }

  private markDeliveredAndRead(conversationId: string, seq: bigint): void {
    this.write({ frame: { case: "markDelivered", value: { conversationId, seq } } });
    this.write({ frame: { case: "markRead", value: { conversationId, seq } } });
  }

  private startHeartbeat(intervalMs: number): void {
    // Spread the devices' heartbeats over the interval instead of firing them all in step.
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), intervalMs).unref();
    }, Math.random() * intervalMs).unref();
  }

  private stopHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.heartbeatTimer);
  }
}
