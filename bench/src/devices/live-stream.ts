import type { ServerFrame, StreamRequest } from "@chat/gen/chat/v1/live_pb.js";
import type { HotFrame } from "./hot-frame-decoder.ts";

/** What a LiveService.Stream reports to its device. */
export interface LiveStreamHandlers {
  /** One server frame, in order. */
  frame(frame: ServerFrame): void;
  /** A live text message or an ACK, read off the wire without a full decode (by the clients that do). */
  hot(frame: HotFrame): void;
  /** The stream ended: normally (undefined) or with an error. Called once. */
  end(error: Error | undefined): void;
}

/** The request side of an open LiveService.Stream. */
export interface LiveStream {
  /** Queues one client frame. */
  write(request: StreamRequest): void;
  /** Ends the stream and closes its connection. */
  close(): void;
}

/**
 * Opens LiveService.Stream for a device on a connection of its own. Two client stacks implement it
 * (see the two files beside this one), so that the generator's own cost can be chosen and compared.
 */
export type OpenLiveStream = (baseUrl: string, token: string, handlers: LiveStreamHandlers) => LiveStream;
