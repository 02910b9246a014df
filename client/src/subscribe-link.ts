import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { type Cursor, CursorSchema, type ErrorCode, type ServerFrame, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import type { ChatClients } from "./clients.ts";
import { FrameQueue } from "./frame-queue.ts";
import { framesOf } from "./live-link.ts";
import type { ClientFrame, LiveLink } from "./live-link.ts";

/** The API's largest history page. */
const pageSize = 500;

/**
 * The browser's live connection: a browser's fetch cannot stream a request body, so the server's
 * frames come from LiveService.Subscribe (server streaming) and each client frame becomes its unary
 * call (SendMessage, MarkRead, ...), whose answer is handed back as the frame the bidirectional
 * stream would have carried: an ACK, or a FrameError naming the send. The session above cannot tell
 * the two links apart.
 *
 * Sends are called one at a time, in the order they were written, so that their seqs follow the
 * order the person typed them; marks, typing and heartbeats go out at once. A ResumeRequest for a
 * conversation joined while connected (the stream's request cannot change) is answered from
 * HistoryService; the session drops whatever the live stream delivers twice.
 */
export function subscribeLink(clients: Pick<ChatClients, "live" | "history">): LiveLink {
  return (requests, { signal }) => relay(clients, requests, signal);
}

/** What the link hands on: a server frame, or the end of the Subscribe stream (and its error). */
type Out = { frame: ServerFrame } | { end: unknown };

/**
 * Two pumps feed one queue: the Subscribe stream's frames, and the answers to the unary calls the
 * client frames turn into. The link ends when the Subscribe stream does; the session then stops
 * writing and aborts the calls still under way (their sends go out again on the next link).
 */
async function* relay(clients: Pick<ChatClients, "live" | "history">, requests: AsyncIterable<ClientFrame>, signal: AbortSignal): AsyncGenerator<{ frame?: ServerFrame }> {
  const input = requests[Symbol.asyncIterator]();
  const first = await input.next();
  const resume = !first.done && first.value.frame?.case === "resume" ? first.value.frame.value : undefined;
  const out = new FrameQueue<Out>();
  const calls = new UnaryCalls(clients, signal, (frame) => out.push({ frame }));
  if (!first.done && !resume) calls.handle(first.value);
  void (async () => {
    try {
      for await (const res of clients.live.subscribe({ resume: { cursors: resume?.cursors ?? [], maxBatch: resume?.maxBatch ?? 0 } }, { signal })) {
        for (const item of framesOf(res)) out.push(item);
      }
      out.push({ end: undefined });
    } catch (err) {
      out.push({ end: err });
    }
  })();
  void (async () => {
    for (let next = await input.next(); !next.done; next = await input.next()) calls.handle(next.value);
  })();
  for await (const item of out) {
    if ("frame" in item) {
      yield item;
      continue;
    }
    out.end();
    if (item.end !== undefined) throw item.end;
    return;
  }
}

/** Turns client frames into unary calls and their answers into server frames. */
class UnaryCalls {
  private readonly clients: Pick<ChatClients, "live" | "history">;
  private readonly signal: AbortSignal;
  private readonly reply: (frame: ServerFrame) => void;
  /** The send in flight and those behind it. */
  private sends: Promise<void> = Promise.resolve();

  constructor(clients: Pick<ChatClients, "live" | "history">, signal: AbortSignal, reply: (frame: ServerFrame) => void) {
    this.clients = clients;
    this.signal = signal;
    this.reply = reply;
  }

  handle(req: ClientFrame): void {
    const { live } = this.clients;
    const options = { signal: this.signal };
    const f = req.frame;
    switch (f?.case) {
      case "send": {
        const value = f.value;
        this.sends = this.sends.then(() => live.sendMessage(value, options).then(
          (ack) => this.reply(create(ServerFrameSchema, { requestId: req.requestId, frame: { case: "ack", value: ack } })),
          (err) => this.refuse(req.requestId, err, value.clientMessageId ?? ""),
        ));
        return;
      }
      case "markDelivered":
        return void live.markDelivered(f.value, options).catch((err) => this.refuse(req.requestId, err));
      case "markRead":
        return void live.markRead(f.value, options).catch((err) => this.refuse(req.requestId, err));
      case "typing":
        return void live.setTyping(f.value, options).catch((err) => this.refuse(req.requestId, err));
      case "heartbeat":
        // A missed heartbeat shows as the stream ending; there is nothing to answer.
        // biome-ignore lint/plugin: the stream's end reports the failure
        return void live.heartbeat({}, options).catch(() => {});
      case "resume":
        return void this.replay(req.requestId ?? "", f.value.cursors ?? []);
    }
  }

  /** What `Stream` would replay for a late ResumeRequest, read from history. */
  private async replay(requestId: string, cursors: readonly { conversationId?: string; seq?: bigint }[]): Promise<void> {
    const done: Cursor[] = [];
    for (const cursor of cursors) {
      const conversationId = cursor.conversationId ?? "";
      let seq = cursor.seq ?? 0n;
      try {
        for (let more = true; more;) {
          const page = await this.clients.history.listMessages({ conversationId, anchorSeq: seq, direction: Direction.FORWARD, limit: pageSize }, { signal: this.signal });
          for (const value of page.messages) this.reply(create(ServerFrameSchema, { frame: { case: "message", value } }));
          seq = page.messages.at(-1)?.seq ?? seq;
          more = page.hasMore && page.messages.length > 0;
        }
        done.push(create(CursorSchema, { conversationId, seq }));
      } catch (err) {
        this.refuse(requestId, err);
      }
    }
    this.reply(create(ServerFrameSchema, { requestId, frame: { case: "resumeComplete", value: { cursors: done } } }));
  }

  private refuse(requestId: string | undefined, err: unknown, clientMessageId = ""): void {
    if (this.signal.aborted) return;
    const error = ConnectError.from(err);
    // ErrorCode numbers the codes as Connect does.
    const code = error.code as number as ErrorCode;
    this.reply(create(ServerFrameSchema, { requestId, frame: { case: "error", value: { code, message: error.rawMessage, clientMessageId } } }));
  }
}
