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
 * clients (the CLI, bots, the benchmark) use. Batched responses (ResumeRequest.max_batch) are
 * handed on one frame at a time.
 */
export function streamLink(live: ChatClients["live"]): LiveLink {
  return async function* (requests, options) {
    for await (const res of live.stream(requests, options)) yield* framesOf(res);
  };
}

/** The frames of one streaming response, batched or not, as the link hands them on. */
export function* framesOf(res: { frame?: ServerFrame | undefined; frames: ServerFrame[] }): Generator<{ frame: ServerFrame }> {
  if (res.frames.length > 0) for (const frame of res.frames) yield { frame };
  else if (res.frame) yield { frame: res.frame };
}
