import type { AppendResult, MessageRecord, ReactionRecord, Stored, TargetChange, UpdateRefusal } from "./interface.ts";

/**
 * Whether the current state of a target lets an update entry of `senderId` change it: the rule both
 * stores apply inside their sequenced write, so that two updates racing are judged one after the
 * other against what the first one left.
 */
export function refusalOf(target: MessageRecord | undefined, senderId: string, change: TargetChange): UpdateRefusal | undefined {
  if (!target) return "missing";
  if (target.deletedAt) return "deleted";
  if (change.kind === "edit" && target.senderId !== senderId) return "notAuthor";
  if (change.kind === "reaction" && change.reacted) {
    const carried = target.reactions ?? [];
    if (!carried.some((r) => r.emoji === change.emoji) && carried.length >= change.maxEmoji) return "tooManyReactions";
  }
  return undefined;
}

/** One stored reaction: a user's emoji on a message, and the seq of the entry that added it. */
export interface ReactionRow {
  seq: number;
  emoji: string;
  userId: string;
  reactedSeq: number;
}

/**
 * Reaction rows grouped per message: by emoji in the order first used, users in the order they
 * reacted (both by the seq of the entry that added them).
 */
export function groupReactions(rows: readonly ReactionRow[]): Map<number, ReactionRecord[]> {
  const sorted = [...rows].sort((x, y) => x.reactedSeq - y.reactedSeq);
  const out = new Map<number, ReactionRecord[]>();
  for (const r of sorted) {
    let list = out.get(r.seq);
    if (!list) out.set(r.seq, (list = []));
    const entry = list.find((e) => e.emoji === r.emoji);
    if (entry) entry.userIds.push(r.userId);
    else list.push({ emoji: r.emoji, userIds: [r.userId] });
  }
  return out;
}

/** The outcome of an append that carried no change, which nothing can refuse. */
export function storedOf(result: AppendResult): Stored {
  if (result.refused) throw new Error(`a message without a change was refused (${result.refused})`);
  return result;
}

/** The columns a message row has beyond a plain text's, as read (null or absent when unset). */
export interface RichColumns {
  content: Uint8Array | null | undefined;
  replyToSeq: number;
  editedAt: Date | null | undefined;
  deletedAt: Date | null | undefined;
  lastUpdateSeq: number;
}

/**
 * A read message record with only the rich fields that are set, so that a plain text reads back
 * exactly as it was appended (a retry gets the very record its first try did).
 */
export function withRichColumns<T extends object>(base: T, c: RichColumns): T & Partial<MessageRecord> {
  const out: T & Partial<MessageRecord> = base;
  if (c.content) out.content = c.content;
  if (c.replyToSeq > 0) out.replyToSeq = c.replyToSeq;
  if (c.editedAt) out.editedAt = c.editedAt;
  if (c.deletedAt) out.deletedAt = c.deletedAt;
  if (c.lastUpdateSeq > 0) out.lastUpdateSeq = c.lastUpdateSeq;
  return out;
}
