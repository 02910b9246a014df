import { create } from "@bufbuild/protobuf";
import { type Message, type ReplyPreview, ReplyPreviewSchema } from "@chat/gen/chat/v1/message_pb.js";
import type { MessageRecord, Store } from "../../engines/store/interface.ts";
import { toMessage } from "../convert.ts";
import { attachmentCount, decodeContent, mirroredText } from "./content.ts";

/** Characters of a parent's text a reply preview shows. */
export const previewLength = 200;

/**
 * Messages as they are served (live, replayed, in history): besides their own row, an update
 * entry carries its target as it is now and a reply the preview of its parent as it is now. Neither
 * is stored with the message, so that an edit shows everywhere and a deleted parent's text survives
 * nowhere.
 */
export class CurrentState {
  private readonly store: Pick<Store, "getMessages">;

  constructor(store: Pick<Store, "getMessages">) {
    this.store = store;
  }

  /**
   * Store records of one conversation as served: one batched read of the rows they refer to that
   * are not among them (a second only for the parents of update targets that are replies). A page
   * of plain messages reads nothing more.
   */
  async serve(records: readonly MessageRecord[]): Promise<Message[]> {
    if (records.length === 0) return [];
    const conversationId = records[0]!.conversationId;
    const known = new Map(records.map((r) => [r.seq, r]));
    const messages = records.map(toMessage);
    const targets = messages.map(targetSeqOf);
    await this.load(conversationId, known, [...targets, ...records.map((r) => r.replyToSeq ?? 0)]);
    await this.load(conversationId, known, targets.map((t) => known.get(t)?.replyToSeq ?? 0));
    for (const m of messages) fill(m, known);
    return messages;
  }

  /** One message as served, with the rows it refers to read now; `known` are rows the caller has already. */
  async one(record: MessageRecord, ...known: MessageRecord[]): Promise<Message> {
    const message = toMessage(record);
    // A plain message (no reply, no update) refers to no other row: nothing to read or fill. Most
    // live messages are these, and the reads' bookkeeping was a tenth of what a send allocated.
    if (!record.replyToSeq && message.content.case !== "update") return message;
    const rows = new Map(known.map((r) => [r.seq, r]));
    rows.set(record.seq, record);
    const target = targetSeqOf(message);
    await this.load(record.conversationId, rows, [target, record.replyToSeq ?? 0]);
    await this.load(record.conversationId, rows, [rows.get(target)?.replyToSeq ?? 0]);
    fill(message, rows);
    return message;
  }

  private async load(conversationId: string, known: Map<number, MessageRecord>, seqs: readonly number[]): Promise<void> {
    const missing = [...new Set(seqs.filter((s) => s > 0 && !known.has(s)))];
    if (missing.length === 0) return;
    for (const r of await this.store.getMessages(conversationId, missing)) known.set(r.seq, r);
  }
}

/** How a reply shows its parent: author, start of its text, file count, deleted or not. */
export function previewOf(parent: MessageRecord): ReplyPreview {
  const content = decodeContent(parent);
  return create(ReplyPreviewSchema, {
    senderId: parent.senderId, text: [...mirroredText(content)].slice(0, previewLength).join(""),
    attachmentCount: attachmentCount(content), deleted: parent.deletedAt !== undefined,
  });
}

function targetSeqOf(m: Message): number {
  return m.content.case === "update" ? Number(m.content.value.targetSeq) : 0;
}

/** Sets a message's reply preview and, for an update entry, its target, from the rows at hand. */
function fill(m: Message, known: ReadonlyMap<number, MessageRecord>): void {
  const parent = m.replyToSeq > 0n ? known.get(Number(m.replyToSeq)) : undefined;
  if (parent) m.replyPreview = previewOf(parent);
  if (m.content.case !== "update") return;
  const target = known.get(Number(m.content.value.targetSeq));
  if (!target) return;
  const served = toMessage(target);
  const grandparent = target.replyToSeq ? known.get(target.replyToSeq) : undefined;
  if (grandparent) served.replyPreview = previewOf(grandparent);
  m.content.value.target = served;
}
