import { randomUUID } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { hashToken } from "../../../server/src/auth/token.ts";
import type { MemberRecord, NewMessage } from "../../../server/src/engines/store/interface.ts";
import { migrateSqlite } from "../../../server/src/engines/store/sqlite/migrations.ts";
import { configureConnection, prepareAll, prepareTransactionControl } from "../../../server/src/engines/store/sqlite/statements.ts";
import { commitWrites, type Write } from "../../../server/src/engines/store/sqlite/writes.ts";

/** The shape of the synthetic corpus: sizes chosen so that a searcher is in `conversationsPerUser` conversations. */
export interface CorpusShape {
  messages: number;
  users: number;
  conversations: number;
  membersPerConversation: number;
  vocabulary: number;
  /** Words per message, uniformly from this range. */
  wordsPerMessage: [number, number];
}

/** The corpus of the figure in docs/benchmarks.md. */
export const defaultShape = (messages: number): CorpusShape => ({
  messages, users: 200, conversations: 1000, membersPerConversation: 8, vocabulary: 20_000, wordsPerMessage: [4, 16],
});

/** What a query mix needs to know of a loaded corpus. */
export interface Corpus {
  shape: CorpusShape;
  /** Words by frequency rank (0 = most common). */
  words: string[];
  users: { id: string; username: string; token: string; conversationIds: string[] }[];
  /** First and last sentAt (ms). */
  from: number;
  until: number;
  loadSeconds: number;
}

/** A seeded PRNG (mulberry32), so that every load of a shape is the same corpus. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "pa", "qu", "dé", "fo", "gi", "hu", "ja", "bé", "cy", "wo", "xi"];

/** `n` distinct pronounceable words (some accented, so that folding is exercised). */
function vocabulary(n: number, random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < n) {
    const length = 2 + Math.floor(random() * 3);
    words.add(Array.from({ length }, () => syllables[Math.floor(random() * syllables.length)]).join(""));
  }
  return [...words];
}

/** Draws word ranks with Zipf's law (s = 1), as natural text has: the first word is in most messages. */
function zipf(n: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cumulative[r] = total += 1 / (r + 1);
  return () => {
    const x = random() * total;
    let [lo, hi] = [0, n - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const attachment = (image: boolean) => toBinary(MessageSchema, create(MessageSchema, {
  content: { case: "attachmentContent", value: {
    caption: { text: "" },
    attachments: [{ id: randomUUID(), fileName: image ? "photo.jpg" : "notes.pdf", contentType: image ? "image/jpeg" : "application/pdf", size: 1000n }],
  } },
}));

/**
 * Writes the corpus into a fresh store file through the store's own writes (commitWrites: the
 * appends, their running counts and their search index, exactly as the writer thread runs them), in
 * large batches with `synchronous = OFF`: a bulk load, not what the figure measures.
 */
export function loadCorpus(path: string, shape: CorpusShape, onProgress: (done: number) => void): Corpus {
  const started = performance.now();
  const random = prng(15);
  const db = new DatabaseSync(path);
  configureConnection(db);
  db.exec("PRAGMA synchronous = OFF; PRAGMA secure_delete = OFF; PRAGMA cache_size = -262144");
  migrateSqlite(db);
  const q = prepareAll(db);
  const tx = prepareTransactionControl(db);
  const commit = (batch: Write[]) => {
    const failed = commitWrites(q, tx, batch).find((r) => r instanceof Error);
    if (failed) throw failed;
  };
  const at = new Date(Date.UTC(2025, 0, 1));
  const users = Array.from({ length: shape.users }, (_, i) => ({
    id: randomUUID(), username: `searcher${i}`, token: `chat_bench${i}${randomUUID()}`, conversationIds: [] as string[],
  }));
  commit(users.flatMap((u): Write[] => [
    { kind: "createUser", args: [{ id: u.id, username: u.username, displayName: u.username, passwordHash: "x", createdAt: at }] },
    { kind: "createDevice", args: [{ userId: u.id, deviceId: randomUUID(), deviceName: "bench", tokenHash: hashToken(u.token), createdAt: at, lastUsedAt: new Date() }] },
  ]));
  const conversations = Array.from({ length: shape.conversations }, (_, i) => {
    const id = randomUUID();
    const members = new Set<number>();
    while (members.size < shape.membersPerConversation) members.add(Math.floor(random() * shape.users));
    for (const m of members) users[m]!.conversationIds.push(id);
    return { id, name: `room${i}`, members: [...members] };
  });
  commit(conversations.map((c): Write => ({ kind: "createGroup", args: [{ id: c.id, kind: "group", name: c.name, createdAt: at, lastSeq: 0 },
    c.members.map((m): MemberRecord => ({ conversationId: c.id, userId: users[m]!.id, role: "member", joinedAt: at }))] })));

  const words = vocabulary(shape.vocabulary, random);
  const rank = zipf(words.length, random);
  // One message every 31 s or so: a million span about a year, each in its own millisecond.
  const from = at.getTime() + 1000;
  let sentAt = from;
  const batchSize = 5000;
  for (let done = 0; done < shape.messages; done += batchSize) {
    const batch: Write[] = [];
    for (let i = done; i < Math.min(shape.messages, done + batchSize); i++) {
      const c = conversations[Math.floor(random() * conversations.length)]!;
      const [min, max] = shape.wordsPerMessage;
      const text = Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => words[rank()]).join(" ");
      const kind = random();
      const m: NewMessage = {
        conversationId: c.id, senderId: users[c.members[Math.floor(random() * c.members.length)]!]!.id, clientMessageId: String(i),
        text, sentAt: new Date((sentAt += 1 + Math.floor(random() * 60_000))), content: kind < 0.05 ? attachment(kind < 0.025) : undefined,
      };
      batch.push({ kind: "appendMessage", args: [m] });
    }
    commit(batch);
    onProgress(Math.min(shape.messages, done + batchSize));
  }
  db.exec("PRAGMA optimize");
  db.close();
  return { shape, words, users, from, until: sentAt, loadSeconds: (performance.now() - started) / 1000 };
}
