import type {
  AppendResult, BotRecord, ConversationRecord, DeviceRecord, MemberRecord, MessageRecord, NewMessage, ReadStateRecord,
  TargetChange, TokenScopeRecord, UpdateRefusal, UserRecord,
} from "../interface.ts";
import { refusalOf } from "../target-change.ts";
import {
  type Row, type Statements, type TransactionControl, insertConversation, messageBySeq, savepoint, toConversation,
  toDevice, toMessage, toReadState, transaction,
} from "./statements.ts";
import { isCountable, mentionKeys, mentionSeq } from "../unread-index.ts";
import { applyPendingTerms, indexAppend, indexChange } from "./message-search.ts";
import { uploadWrites } from "./upload-tables.ts";
import { deleteEndpointOfDevice, pushWrites } from "./push-tables.ts";
import { presenceWrites } from "./presence-tables.ts";
import { pushJobWrites } from "../../push-queue/sqlite/sqlite-push-queue.ts";

/**
 * Every write of the embedded store, by name. Each runs inside the open transaction of its batch
 * (in a savepoint of its own), on whichever connection commits the batch: the writer thread's, or
 * the main thread's for a ":memory:" store. Arguments and results cross a thread boundary, so they
 * are plain structured-cloneable data (records with Dates), never statements or closures.
 */
const writes = {
  createUser(q: Statements, u: UserRecord): boolean {
    return q.insertUser.run(u.id, u.username, u.displayName, u.passwordHash, u.createdAt.getTime()).changes === 1;
  },
  createDevice(q: Statements, d: DeviceRecord): void {
    q.insertDevice.run(d.deviceId, d.userId, d.deviceName, d.tokenHash, d.createdAt.getTime(), (d.lastUsedAt ?? d.createdAt).getTime());
  },
  deleteDevice(q: Statements, userId: string, deviceId: string): DeviceRecord | undefined {
    const row = q.deleteDevice.get(deviceId, userId);
    deleteEndpointOfDevice(q, userId, deviceId); // a logged-out device gets no more notifications
    return row ? toDevice(row) : undefined;
  },
  touchDevice(q: Statements, userId: string, deviceId: string, at: Date): void {
    q.touchDevice.run(at.getTime(), deviceId, userId);
  },
  deleteDevicesUnusedSince(q: Statements, cutoff: Date, limit: number): DeviceRecord[] {
    // Every device has a last use here (migration 3 gave the older ones one).
    const devices = q.deleteDevicesUnusedSince.all(cutoff.getTime(), limit).map(toDevice);
    for (const d of devices) deleteEndpointOfDevice(q, d.userId, d.deviceId);
    return devices;
  },
  setPasswordHash(q: Statements, userId: string, passwordHash: string): void {
    q.setPasswordHash.run(passwordHash, userId);
  },
  getOrCreateDirect(q: Statements, conv: ConversationRecord, members: readonly MemberRecord[]): { conversation: ConversationRecord; created: boolean } {
    const pairKey = members.map((m) => m.userId).sort().join(":");
    const existing = q.directByPair.get(pairKey) as Row | undefined;
    if (existing) return { conversation: toConversation(q.conversationById.get(existing.conversation_id as string)!), created: false };
    q.insertDirectPair.run(pairKey, conv.id);
    insertConversation(q, conv, members);
    return { conversation: { ...conv, lastSeq: 0 }, created: true };
  },
  createGroup(q: Statements, conv: ConversationRecord, members: readonly MemberRecord[]): void {
    insertConversation(q, conv, members);
  },
  putMembers(q: Statements, members: readonly MemberRecord[]): void {
    for (const m of members) q.upsertMember.run(m.conversationId, m.userId, m.role, m.joinedAt.getTime());
  },
  removeMember(q: Statements, conversationId: string, userId: string, heir: MemberRecord | undefined): void {
    q.deleteMember.run(conversationId, userId);
    q.deleteReadState.run(conversationId, userId);
    pushWrites.deleteMute(q, conversationId, userId);
    if (heir) q.upsertMember.run(heir.conversationId, heir.userId, heir.role, heir.joinedAt.getTime());
  },
  appendMessage(q: Statements, m: NewMessage): AppendOutcome {
    const existing = q.messageByClientId.get(m.conversationId, m.senderId, m.clientMessageId);
    if (existing) return { message: toMessage(existing), duplicate: true };
    // Judged inside the transaction that writes it: the target as every earlier update left it.
    const target = m.change ? messageBySeq(q, m.conversationId, m.change.targetSeq) : undefined;
    const refused = m.change && refusalOf(target, m.senderId, m.change);
    if (refused) return { refused };
    const countable = isCountable(m);
    const bumped = q.bumpSeq.get(m.conversationId, countable ? 1 : 0) as Row | undefined;
    if (!bumped) throw new Error(`conversation ${m.conversationId} does not exist`);
    const seq = Number(bumped.last_seq);
    q.insertMessage.run(m.conversationId, seq, m.senderId, m.clientMessageId, m.text, m.sentAt.getTime(), m.content ?? null, m.replyToSeq ?? 0,
      Number(bumped.counted), Number(bumped.last_counted_seq));
    if (m.change) applyChange(q, m.conversationId, m.senderId, seq, m.change);
    // The search index changes in the same transaction as the rows it indexes.
    if (!m.change) indexAppend(q, m, seq);
    else if (target) indexChange(q, target, m.senderId, m.change);
    for (const userId of mentionKeys(m)) q.insertMention.run(m.conversationId, userId, mentionSeq(m, seq), m.senderId);
    if (countable) q.advanceReadState.run(m.conversationId, m.senderId, seq, seq);
    return { seq };
  },
  advanceReadState(q: Statements, s: ReadStateRecord): ReadStateRecord {
    return toReadState(q.advanceReadState.get(s.conversationId, s.userId, s.deliveredSeq, s.readSeq)!);
  },
  createBot(q: Statements, b: BotRecord): void {
    q.insertBot.run(b.botId, b.ownerId, b.createdAt.getTime());
  },
  putTokenScope(q: Statements, s: TokenScopeRecord): void {
    q.putTokenScope.run(s.deviceId, JSON.stringify(s.conversationIds), s.canWrite ? 1 : 0);
  },
  ...uploadWrites,
  ...pushWrites,
  ...pushJobWrites,
  ...presenceWrites,
};

/**
 * What an append answers across the thread boundary: a new message's seq only (the caller holds the
 * message it sent; cloning it back cost the event loop as much as sending it), else the stored
 * message of a duplicate, or why an update entry was refused.
 */
export type AppendOutcome = { seq: number } | { message: MessageRecord; duplicate: true } | { refused: UpdateRefusal };

/** The store's AppendResult of an append of `m` that answered `outcome`. */
export function appendResultOf(m: NewMessage, outcome: AppendOutcome): AppendResult {
  if (!("seq" in outcome)) return outcome;
  const { change: _change, ...message } = m;
  return { message: { ...message, seq: outcome.seq }, duplicate: false };
}

/** Applies an update entry (at `seq`, by `senderId`) to its target, in the entry's transaction. */
function applyChange(q: Statements, conversationId: string, senderId: string, seq: number, c: TargetChange): void {
  switch (c.kind) {
    case "edit":
      q.editMessage.run(c.text, c.content ?? null, c.at.getTime(), seq, conversationId, c.targetSeq);
      return;
    case "delete":
      // The body goes from the row (zeroed on disk: secure_delete) and its reactions with it.
      q.eraseMessage.run(c.at.getTime(), seq, conversationId, c.targetSeq);
      q.removeReactions.run(conversationId, c.targetSeq);
      return;
    case "reaction":
      if (c.reacted) q.putReaction.run(conversationId, c.targetSeq, c.emoji, senderId, seq);
      else q.removeReaction.run(conversationId, c.targetSeq, c.emoji, senderId);
      q.markUpdated.run(seq, conversationId, c.targetSeq);
      return;
  }
}

/** Whether a batch erased a message body (the writer thread then checkpoints the WAL, see write-thread.ts). */
export function erasesBodies(batch: readonly Write[]): boolean {
  return batch.some((w) => w.kind === "appendMessage" && w.args[0].change?.kind === "delete");
}

type Writes = typeof writes;
/** The name of a write. */
export type WriteKind = keyof Writes;
/** The arguments of a write, after the statements. */
export type WriteArgs<K extends WriteKind> = Writes[K] extends (q: Statements, ...args: infer A) => unknown ? A : never;
/** What a write resolves with. */
export type WriteResult<K extends WriteKind> = ReturnType<Writes[K]>;
/** One write as it is queued and sent to the writer thread. */
export type Write = { [K in WriteKind]: { kind: K; args: WriteArgs<K> } }[WriteKind];

/**
 * Commits a batch of writes in one transaction (one fsync); a write that fails is rolled back alone
 * (its savepoint) and its Error takes its place, the others commit. The search index changes of the
 * batch's writes are made at its end, in the same transaction (see applyPendingTerms).
 *
 * Writes almost never fail, so the batch is first tried without savepoints (two statements fewer
 * per write: about a third of a message append's on the writer thread); only when one fails is
 * the whole transaction rolled back and the batch redone with a savepoint each, which gives every
 * write the same result as if it had had its savepoint from the start.
 */
export function commitWrites(q: Statements, tx: TransactionControl, batch: readonly Write[]): unknown[] {
  try {
    try {
      return transaction(tx, () => {
        const results = batch.map((w) => apply(q, w));
        applyPendingTerms(q);
        return results;
      });
    } catch {
      q.pendingTerms.length = 0; // the rolled-back attempt's index changes went with its rows
      return transaction(tx, () => {
        const results = batch.map((w) => {
          const queued = q.pendingTerms.length;
          const result = savepoint(tx, () => apply(q, w));
          if (result instanceof Error) q.pendingTerms.length = queued; // its search index changes go with its rows
          return result;
        });
        applyPendingTerms(q);
        return results;
      });
    }
  } finally {
    q.pendingTerms.length = 0; // a batch that failed as a whole leaves nothing for the next one
  }
}

function apply(q: Statements, w: Write): unknown {
  return (writes[w.kind] as (q: Statements, ...args: unknown[]) => unknown)(q, ...w.args);
}

/** Queues one write for the next committed batch; resolves with its result once the batch is on disk. */
export type Writer = <K extends WriteKind>(kind: K, ...args: WriteArgs<K>) => Promise<WriteResult<K>>;
