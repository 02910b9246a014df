import { randomBytes } from "node:crypto";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BlobStore } from "../src/engines/blobs/interface.ts";
import { UploadExpiry } from "../src/files/expiry.ts";
import { blobSetups, fetchFile, upload } from "./files-harness.ts";
import { clientsFor, newId, registerUser, startNode, type TestUser, transportFor } from "./harness.ts";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok" as const, (e) => ConnectError.from(e).code);

describe.each(blobSetups())("attachments in messages ($name blobs)", (setup) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let blobs: BlobStore;
  let owner: TestUser, member: TestUser, outsider: TestUser;
  let conversationId: string;
  beforeAll(async () => {
    server = await startNode({ args: setup.args(inject("s3Url")) });
    blobs = await setup.open(inject("s3Url"), server.dataDir);
    [owner, member, outsider] = await Promise.all([registerUser(server, "owner"), registerUser(server, "member"), registerUser(server, "outsider")]);
    conversationId = (await owner.clients.conversations.createGroup({ name: "files", memberIds: [member.id] })).conversation!.id;
  });
  afterAll(async () => {
    await blobs?.close();
    await server?.close();
  });

  it("a file sent in a group reaches members, who fetch it with ranges; a non-member and then a removed member get 404", async () => {
    const bytes = randomBytes(100_000);
    const attachment = await upload(owner, bytes, { name: "report.pdf" });
    const clientMessageId = newId();
    const send = () => owner.clients.live.sendMessage({ conversationId, clientMessageId, text: "the report", attachmentIds: [attachment.id] });
    const ack = await send();
    expect((await send()).seq).toBe(ack.seq); // a retry is the same message

    const { messages } = await member.clients.history.listMessages({ conversationId });
    const message = messages.find((m) => m.seq === ack.seq)!;
    expect(message.text).toBe("the report");
    expect(message.content).toMatchObject({ case: "attachmentContent", value: { attachments: [attachment], caption: { text: "the report" } } });

    const whole = await fetchFile(server.url, attachment.id, member.token);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const ranges: [string, number, string, Buffer][] = [
      ["bytes=10-19", 206, "bytes 10-19/100000", bytes.subarray(10, 20)],
      ["bytes=99990-", 206, "bytes 99990-99999/100000", bytes.subarray(99_990)],
      ["bytes=-5", 206, "bytes 99995-99999/100000", bytes.subarray(99_995)],
      ["bytes=99999-200000", 206, "bytes 99999-99999/100000", bytes.subarray(99_999)],
    ];
    for (const [range, status, contentRange, body] of ranges) {
      const res = await fetchFile(server.url, attachment.id, member.token, { range });
      expect([res.status, res.headers.get("content-range")], range).toEqual([status, contentRange]);
      expect(Buffer.from(await res.arrayBuffer()).equals(body), range).toBe(true);
    }
    for (const range of ["bytes=100000-", "bytes=5-2", "bytes=-0"]) {
      const res = await fetchFile(server.url, attachment.id, member.token, { range });
      expect([res.status, res.headers.get("content-range")], range).toEqual([416, "bytes */100000"]);
      await res.body?.cancel();
    }

    const stranger = await fetchFile(server.url, attachment.id, outsider.token);
    expect(stranger.status).toBe(404);
    await stranger.body?.cancel();
    await owner.clients.conversations.removeMember({ conversationId, userId: member.id });
    const removed = await fetchFile(server.url, attachment.id, member.token);
    expect(removed.status).toBe(404);
    await removed.body?.cancel();
    const uploader = await fetchFile(server.url, attachment.id, owner.token, { range: "bytes=0-0" });
    expect(uploader.status).toBe(206);
    await uploader.body?.cancel();
    await owner.clients.conversations.addMembers({ conversationId, userIds: [member.id] });
  });

  it("an attachment is sent once, by its uploader, when completed; at most 10 per message", async () => {
    const attachment = await upload(owner, Buffer.from("once"), { name: "once.txt", type: "text/plain" });
    const send = (who: TestUser, ids: string[], text = "") => who.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text, attachmentIds: ids });
    expect(await codeOf(send(member, [attachment.id]))).toBe(Code.NotFound); // not theirs
    expect(await codeOf(send(owner, [attachment.id, attachment.id]))).toBe(Code.InvalidArgument);
    expect(await codeOf(send(owner, Array.from({ length: 11 }, () => crypto.randomUUID())))).toBe(Code.InvalidArgument);
    const unfinished = await owner.clients.files.createUpload({ fileName: "half", size: 2n });
    expect(await codeOf(send(owner, [attachment.id, unfinished.uploadId]))).toBe(Code.FailedPrecondition);
    // That refusal released the first file: it can still be sent, with an empty caption, once.
    expect(await codeOf(send(owner, [attachment.id]))).toBe("ok");
    expect(await codeOf(send(owner, [attachment.id]))).toBe(Code.FailedPrecondition);
    expect(await codeOf(owner.clients.files.uploadChunk({ uploadId: unfinished.uploadId, offset: 0n, data: new Uint8Array(2) }))).toBe("ok");
  });

  it("bot tokens: a read-only one cannot upload; one limited to some conversations fetches files of those only", async () => {
    const bots = createClient(BotService, transportFor(server.url, "grpc", owner.token));
    const { bot } = await bots.createBot({ username: `filebot${newId().slice(0, 6)}`, displayName: "Files" });
    const other = (await owner.clients.conversations.createGroup({ name: "other", memberIds: [bot!.id] })).conversation!.id;
    await owner.clients.conversations.addMembers({ conversationId, userIds: [bot!.id] });
    const tokenOf = async (canWrite: boolean, conversationIds: string[]) =>
      (await bots.createBotToken({ botId: bot!.id, name: "t", canWrite, conversationIds })).token;
    const readOnly = clientsFor(transportFor(server.url, "grpc", await tokenOf(false, [])));
    expect(await codeOf(readOnly.files.createUpload({ fileName: "x", size: 1n }))).toBe(Code.PermissionDenied);

    const sent = await upload(owner, Buffer.from("for the other group"), { name: "o.txt", type: "text/plain" });
    await owner.clients.live.sendMessage({ conversationId: other, clientMessageId: newId(), attachmentIds: [sent.id] });
    const narrow = await tokenOf(true, [conversationId]);
    const wide = await tokenOf(true, []);
    const [outside, inside] = await Promise.all([fetchFile(server.url, sent.id, narrow), fetchFile(server.url, sent.id, wide)]);
    expect([outside.status, inside.status]).toEqual([404, 200]);
    await Promise.all([outside.body?.cancel(), inside.body?.cancel()]);
  });

  it("a deleted message's files and thumbnails leave the blob store; unsent uploads expire with their bytes", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#ff0000" } }).png().toBuffer();
    const image = await upload(owner, png, { name: "red.png", type: "image/png" });
    const ack = await owner.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: "", attachmentIds: [image.id] });
    expect(await blobs.stat(`thumbnails/${image.id}`)).toBeDefined();

    // A group admin's delete (the owner's here) of the message erases its files.
    await member.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: "nice" });
    const deletion = { conversationId, seq: ack.seq, clientMessageId: newId() };
    await owner.clients.live.deleteMessage(deletion);
    expect(await blobs.stat(`files/${image.id}`)).toBeUndefined();
    expect(await blobs.stat(`thumbnails/${image.id}`)).toBeUndefined();
    const gone = await fetchFile(server.url, image.id, member.token);
    expect(gone.status).toBe(404);
    await gone.body?.cancel();
    expect(await server.engines.store.getUpload(image.id)).toBeUndefined();
    const { messages } = await member.clients.history.listMessages({ conversationId });
    expect(messages.find((m) => m.seq === ack.seq)).toMatchObject({ text: "", content: { case: undefined } });
    expect(await codeOf(owner.clients.live.deleteMessage(deletion))).toBe("ok"); // a retry finds nothing left to erase

    const half = await owner.clients.files.createUpload({ fileName: "half.bin", size: 10n });
    await owner.clients.files.uploadChunk({ uploadId: half.uploadId, offset: 0n, data: new Uint8Array(5) });
    const done = await upload(owner, Buffer.from("unsent"), { name: "unsent.txt", type: "text/plain" });
    // A pass with a cutoff of now: every unsent upload of this node is past it.
    const expiry = new UploadExpiry(server.engines.store, server.files.uploads, { expiryMs: 0, onError: (err) => { throw err; } });
    try {
      expect(await expiry.sweep()).toBeGreaterThanOrEqual(2);
    } finally {
      expiry.close();
    }
    expect(await blobs.list(`uploads/${half.uploadId}/`)).toEqual([]);
    expect(await blobs.stat(`files/${done.id}`)).toBeUndefined();
    expect(await codeOf(owner.clients.files.getUpload({ uploadId: done.id }))).toBe(Code.NotFound);
    expect(await codeOf(owner.clients.live.sendMessage({ conversationId, clientMessageId: newId(), attachmentIds: [done.id] }))).toBe(Code.NotFound);
  });

  it("a claim whose send was never stored expires with its bytes; one whose message was stored is bound to it instead", async () => {
    const store = server.engines.store;
    const abandoned = await upload(owner, Buffer.from("abandoned"), { name: "a.txt", type: "text/plain" });
    const kept = await upload(owner, Buffer.from("kept"), { name: "k.txt", type: "text/plain" });
    // Two sends that claimed their file and then died: one before its append, one between its append and its bind.
    const lost = { conversationId, senderId: owner.id, clientMessageId: newId() };
    const stored = { conversationId, senderId: owner.id, clientMessageId: newId() };
    expect(await store.claimUpload(abandoned.id, lost)).toBe(true);
    expect(await store.claimUpload(kept.id, stored)).toBe(true);
    const ack = await owner.clients.live.sendMessage({ conversationId, clientMessageId: stored.clientMessageId, text: "stored, its bind lost" });
    const expiry = new UploadExpiry(store, server.files.uploads, { expiryMs: 0, onError: (err) => { throw err; } });
    try {
      expect(await expiry.sweep()).toBeGreaterThanOrEqual(1);
    } finally {
      expiry.close();
    }
    expect(await blobs.stat(`files/${abandoned.id}`)).toBeUndefined();
    expect(await store.getUpload(abandoned.id)).toBeUndefined();
    expect(await blobs.stat(`files/${kept.id}`)).toBeDefined();
    expect(await store.listMessageUploads(conversationId, Number(ack.seq))).toEqual([kept.id]);
    // The lost send retried a day later: its file is gone, and the answer says why.
    const retry = owner.clients.live.sendMessage({ conversationId, clientMessageId: lost.clientMessageId, attachmentIds: [abandoned.id] });
    await expect(retry).rejects.toMatchObject({ code: Code.NotFound, rawMessage: expect.stringContaining("unsent uploads expire") });
  });
});
