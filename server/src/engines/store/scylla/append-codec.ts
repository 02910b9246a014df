import { FrameReader, FrameWriter } from "../../binary-frame.ts";
import type { NewMessage, TargetChange } from "../interface.ts";
import type { ForwardedKind } from "./append-route.ts";

/** One forwarded append: the message, the sender's id for the answer, its trace context. */
export interface AppendRequest {
  id: number;
  message: NewMessage;
  /** The sender's W3C trace context while tracing is on, "" when off. */
  traceparent: string;
}

/** What the owner answered one forwarded append with: the stored message's seq, or an error. */
export type AppendReply = { id: number } & (
  | { ok: true; seq: number; sentAt: number; duplicate: boolean; leaseLeftMs: number }
  | { ok: false; kind: ForwardedKind; error: string });

/** Every forward a node sent to one owner in one event-loop turn, and where to answer. */
export interface RequestBatch {
  /** The sending node's id: the answers go to its answer channel. */
  from: string;
  /** The sending node's incarnation: answers meant for an earlier process with its id are dropped. */
  incarnation: number;
  requests: AppendRequest[];
}

/** Every answer an owner had for one node in one event-loop turn. */
export interface ReplyBatch {
  incarnation: number;
  replies: AppendReply[];
}

/**
 * First byte of each payload: the layout's version. The JSON of the previous release starts with
 * `{` (0x7b), so either side tells the two apart from the first byte (see redis-append-route.ts).
 */
const requestMark = 0xa1;
/** Requests with the rich message fields (content, reply, update change) after each request's traceparent. */
const richRequestMark = 0xa3;
const replyMark = 0xa2;
const kinds: readonly ForwardedKind[] = ["notOwner", "unavailable", "failed", "refused"];
const changeKinds: readonly TargetChange["kind"][] = ["edit", "delete", "reaction"];

/**
 * The bytes of a request batch. Lengths and ids are unsigned 32-bit big-endian, times and seqs
 * doubles, strings length-prefixed UTF-8:
 *
 *     0xa1, from, incarnation, count, then per request:
 *       id, conversation id, sender id, client message id, text, sent at (ms), traceparent
 *
 * and since rich messages the mark is 0xa3 and each request goes on with its content (a presence
 * byte, then bytes), reply-to seq, and change (a kind byte, 0 for none, then its fields), then
 * flags (1: not countable, 2: mentions "@all"), the count of mentioned user ids and those ids. A node
 * reads both marks; a node of the release before reads only 0xa1, so during a rolling upgrade a
 * forward to an old owner goes unanswered and its send waits for the lease to move (as with JSON).
 *
 * Binary rather than JSON: on three nodes most sends cross Redis twice, and the JSON encode and
 * parse on each side was a visible share of a node's CPU per message.
 */
export function encodeRequests(batch: RequestBatch): Buffer {
  const out = new FrameWriter().u8(richRequestMark).str(batch.from).u32(batch.incarnation).u32(batch.requests.length);
  for (const { id, message: m, traceparent } of batch.requests) {
    out.u32(id).str(m.conversationId).str(m.senderId).str(m.clientMessageId).str(m.text).f64(m.sentAt.getTime()).str(traceparent);
    optionalBytes(out, m.content).f64(m.replyToSeq ?? 0);
    encodeChange(out, m.change);
    const mentioned = m.mentions?.userIds ?? [];
    out.u8((m.countable === false ? 1 : 0) | (m.mentions?.all ? 2 : 0)).u32(mentioned.length);
    for (const userId of mentioned) out.str(userId);
  }
  return out.finish();
}

function optionalBytes(out: FrameWriter, bytes: Uint8Array | undefined): FrameWriter {
  return bytes === undefined ? out.u8(0) : out.u8(1).bytes(bytes);
}

function encodeChange(out: FrameWriter, c: TargetChange | undefined): void {
  if (!c) {
    out.u8(0);
    return;
  }
  out.u8(1 + changeKinds.indexOf(c.kind)).f64(c.targetSeq);
  if (c.kind === "edit") optionalBytes(out.str(c.text), c.content).f64(c.at.getTime());
  else if (c.kind === "delete") out.f64(c.at.getTime());
  else out.str(c.emoji).u8(c.reacted ? 1 : 0).u32(c.maxEmoji);
}

function decodeChange(input: FrameReader): TargetChange | undefined {
  const tag = input.u8();
  if (tag === 0) return undefined;
  const kind = changeKinds[tag - 1];
  const targetSeq = input.f64();
  if (kind === "edit") {
    const text = input.str();
    return { kind, targetSeq, text, content: optionalBytesOf(input), at: new Date(input.f64()) };
  }
  if (kind === "delete") return { kind, targetSeq, at: new Date(input.f64()) };
  if (kind === "reaction") return { kind, targetSeq, emoji: input.str(), reacted: input.u8() === 1, maxEmoji: input.u32() };
  throw new Error(`unknown change kind ${tag}`);
}

function optionalBytesOf(input: FrameReader): Uint8Array | undefined {
  return input.u8() === 1 ? new Uint8Array(input.bytes()) : undefined;
}

/** Reads what {@link encodeRequests} wrote; throws on anything else. */
export function decodeRequests(payload: Uint8Array): RequestBatch {
  const input = new FrameReader(payload);
  const mark = input.u8();
  if (mark !== requestMark && mark !== richRequestMark) throw new Error("not an append request batch");
  const from = input.str();
  const incarnation = input.u32();
  const requests: AppendRequest[] = [];
  for (let n = input.u32(); n > 0; n--) {
    const id = input.u32();
    const message: NewMessage = { conversationId: input.str(), senderId: input.str(), clientMessageId: input.str(), text: input.str(), sentAt: new Date(input.f64()) };
    const traceparent = input.str();
    if (mark === richRequestMark) {
      const content = optionalBytesOf(input);
      const replyToSeq = input.f64();
      const change = decodeChange(input);
      if (content !== undefined) message.content = content;
      if (replyToSeq > 0) message.replyToSeq = replyToSeq;
      if (change) message.change = change;
      readCountsAndMentions(input, message);
    }
    requests.push({ id, message, traceparent });
  }
  input.end();
  return { from, incarnation, requests };
}

/** Reads a request's flags and mentions into its message, leaving the defaults unset. */
function readCountsAndMentions(input: FrameReader, message: NewMessage): void {
  const flags = input.u8();
  const userIds: string[] = [];
  for (let n = input.u32(); n > 0; n--) userIds.push(input.str());
  if (flags & 1) message.countable = false;
  if (userIds.length > 0 || flags & 2) message.mentions = { userIds, all: (flags & 2) !== 0 };
}

/**
 * The bytes of a reply batch: `0xa2, incarnation, count`, then per reply its id and a kind byte
 * (0: stored, then seq, sent at, duplicate byte, lease left in ms; 1 + the index of a
 * {@link ForwardedKind}: an error, then its message).
 */
export function encodeReplies(batch: ReplyBatch): Buffer {
  const out = new FrameWriter().u8(replyMark).u32(batch.incarnation).u32(batch.replies.length);
  for (const r of batch.replies) {
    out.u32(r.id);
    if (r.ok) out.u8(0).f64(r.seq).f64(r.sentAt).u8(r.duplicate ? 1 : 0).u32(Math.max(0, Math.floor(r.leaseLeftMs)));
    else out.u8(1 + kinds.indexOf(r.kind)).str(r.error);
  }
  return out.finish();
}

/** Reads what {@link encodeReplies} wrote; throws on anything else. */
export function decodeReplies(payload: Uint8Array): ReplyBatch {
  const input = new FrameReader(payload);
  if (input.u8() !== replyMark) throw new Error("not an append reply batch");
  const incarnation = input.u32();
  const replies: AppendReply[] = [];
  for (let n = input.u32(); n > 0; n--) {
    const id = input.u32();
    const tag = input.u8();
    if (tag === 0) {
      replies.push({ id, ok: true, seq: input.f64(), sentAt: input.f64(), duplicate: input.u8() === 1, leaseLeftMs: input.u32() });
      continue;
    }
    const kind = kinds[tag - 1];
    if (!kind) throw new Error(`unknown append reply kind ${tag}`);
    replies.push({ id, ok: false, kind, error: input.str() });
  }
  input.end();
  return { incarnation, replies };
}
