import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { storeEngines, twoNodesOf } from "./store-engines.ts";
import type { UploadMessage, UploadRecord } from "./upload-store.ts";

describe.each(storeEngines)("Upload store contract: $name", ({ make }) => {
  const nodes = twoNodesOf(make);

  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const upload = (ownerId: string, createdAt = now()): UploadRecord => ({
    id: randomUUID(), ownerId, fileName: "cat.png", declaredType: "image/png", size: 100, sha256: "", received: 0,
    lastChunkOffset: 0, createdAt, file: undefined, message: undefined, seq: undefined,
  });
  const messageOf = (senderId: string): UploadMessage => ({ conversationId: randomUUID(), senderId, clientMessageId: randomUUID() });

  it("an upload round-trips, counts as pending for its owner, and advances by compare-and-set only", async () => {
    const owner = randomUUID();
    const u = upload(owner);
    await nodes.a.createUpload(u);
    expect(await nodes.b.getUpload(u.id)).toEqual(u);
    expect(await nodes.b.countPendingUploads(owner)).toBe(1);
    expect(await nodes.a.getUpload(randomUUID())).toBeUndefined();

    // Two nodes record the same first chunk at once: exactly one counts it.
    const raced = await Promise.all([nodes.a.advanceUpload(u.id, 0, 40), nodes.b.advanceUpload(u.id, 0, 40)]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect(await nodes.a.advanceUpload(u.id, 0, 50)).toBe(false);
    expect(await nodes.b.advanceUpload(u.id, 40, 100)).toBe(true);
    expect(await nodes.a.getUpload(u.id)).toMatchObject({ received: 100, lastChunkOffset: 40, file: undefined });

    const file = { contentType: "image/png", width: 3, height: 2, thumbnail: true, sha256: "ab".repeat(32), completedAt: now() };
    await nodes.a.completeUpload(u.id, file);
    expect(await nodes.b.getUpload(u.id)).toMatchObject({ file, sha256: file.sha256 });
  });

  it("a claim is taken by one message only (a retry of it succeeds), released, then bound to a seq", async () => {
    const owner = randomUUID();
    const u = upload(owner);
    await nodes.a.createUpload(u);
    const mine = messageOf(owner);
    const other = messageOf(owner);
    const raced = await Promise.all([nodes.a.claimUpload(u.id, mine), nodes.b.claimUpload(u.id, other)]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    const [winner, loser] = raced[0] ? [mine, other] : [other, mine];
    expect(await nodes.b.claimUpload(u.id, winner)).toBe(true);
    expect(await nodes.a.countPendingUploads(owner)).toBe(1); // pending until bound: the send may never be stored

    await nodes.b.releaseUpload(u.id, loser); // not its claim: nothing changes
    expect((await nodes.a.getUpload(u.id))?.message).toEqual(winner);
    await nodes.b.releaseUpload(u.id, winner);
    expect((await nodes.a.getUpload(u.id))?.message).toBeUndefined();
    expect(await nodes.a.countPendingUploads(owner)).toBe(1);

    expect(await nodes.a.claimUpload(u.id, mine)).toBe(true);
    await nodes.b.bindUpload(u.id, other, 7); // another message's bind is ignored
    expect((await nodes.a.getUpload(u.id))?.seq).toBeUndefined();
    await nodes.b.bindUpload(u.id, mine, 7);
    expect((await nodes.a.getUpload(u.id))?.seq).toBe(7);
    expect(await nodes.a.countPendingUploads(owner)).toBe(0);
    expect(await nodes.a.listMessageUploads(mine.conversationId, 7)).toEqual([u.id]);
    expect(await nodes.a.listMessageUploads(mine.conversationId, 8)).toEqual([]);

    await nodes.a.deleteUpload(u.id);
    expect(await nodes.b.getUpload(u.id)).toBeUndefined();
    expect(await nodes.b.listMessageUploads(mine.conversationId, 7)).toEqual([]);
    await nodes.a.deleteUpload(u.id); // idempotent
  });

  it("uploads not bound to a message (unclaimed, or claimed by a send never stored) older than a cutoff are listed, at most `limit`; sent ones never", async () => {
    const owner = randomUUID();
    const old = new Date(now().getTime() - 3 * 86_400_000);
    const stale = [upload(owner, old), upload(owner, old), upload(owner, old)];
    const fresh = upload(owner);
    const sent = upload(owner, old);
    const abandoned = upload(owner, old);
    for (const u of [...stale, fresh, sent, abandoned]) await nodes.a.createUpload(u);
    const message = messageOf(owner);
    expect(await nodes.b.claimUpload(sent.id, message)).toBe(true);
    await nodes.a.bindUpload(sent.id, message, 3);
    expect(await nodes.b.claimUpload(abandoned.id, messageOf(owner))).toBe(true);
    const cutoff = new Date(now().getTime() - 86_400_000);
    const listed = (await nodes.b.listUnsentUploadsBefore(cutoff, 1000)).filter((u) => u.ownerId === owner);
    expect(listed.map((u) => u.id).sort()).toEqual([...stale, abandoned].map((u) => u.id).sort());
    expect(listed.find((u) => u.id === abandoned.id)).toMatchObject({ message: { senderId: owner }, seq: undefined });
    expect((await nodes.b.listUnsentUploadsBefore(cutoff, 2)).length).toBeLessThanOrEqual(2);
    for (const u of [...stale, abandoned]) await nodes.a.deleteUpload(u.id);
    expect(await nodes.a.countPendingUploads(owner)).toBe(1);
  });
});
