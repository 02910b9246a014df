import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServerFrame, StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { ChatClients } from "./clients.ts";

/** A frame a session writes: what a client sends on LiveService.Stream. */
export type ClientFrame = MessageInitShape<typeof StreamRequestSchema>;

/**
 * One live connection as a session sees it: client frames in, server frames out, until the server
 * or the signal ends it (the iteration then throws why, or returns). The session writes its
 * ResumeRequest before the first server frame arrives, so a link that must know the cursors up
 * front (Subscribe) finds them first in `requests`.
 */
export type LiveLink = (requests: AsyncIterable<ClientFrame>, options: { signal: AbortSignal }) => AsyncIterable<{ frame?: ServerFrame }>;

/**
 * The bidirectional LiveService.Stream: one HTTP/2 stream carries both directions. What Node
 * clients (the CLI, bots, the benchmark) use.
 */
export function streamLink(live: ChatClients["live"]): LiveLink {
  return (requests, options) => live.stream(requests, options);
}
