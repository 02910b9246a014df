import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BlobStore } from "../src/engines/blobs/interface.ts";
import { blobSetups, fetchFile, pngClaiming, sha256, upload } from "./files-harness.ts";
import { loginDevice, registerUser, startNode, type TestUser } from "./harness.ts";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok" as const, (e) => ConnectError.from(e).code);
const messageOf = (p: Promise<unknown>) => p.then(() => "", (e) => ConnectError.from(e).rawMessage);
const maxFileSize = 2 * 1024 * 1024;

describe.each(blobSetups())("file uploads and downloads ($name blobs)", (setup) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let blobs: BlobStore;
  let alice: TestUser, bob: TestUser;
  beforeAll(async () => {
    server = await startNode({ args: ["--max-file-size", String(maxFileSize), "--max-pending-uploads", "4", ...setup.args(inject("s3Url"))] });
    blobs = await setup.open(inject("s3Url"), server.dataDir);
    alice = await registerUser(server, "alice");
    bob = await registerUser(server, "bob");
  });
  afterAll(async () => {
    await blobs?.close();
    await server?.close();
  });

  it("an image sent in chunks is sniffed, measured and thumbnailed; before it is sent only its uploader may fetch it", async () => {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#336699" } }).png().toBuffer();
    const attachment = await upload(alice, png, { name: "../photos/cat.png", type: "application/octet-stream", chunk: 1000 });
    expect(attachment).toMatchObject({
      fileName: "cat.png", contentType: "image/png", size: BigInt(png.length), width: 640, height: 480, hasThumbnail: true, sha256: sha256(png),
    });

    const res = await fetchFile(server.url, attachment.id, alice.token);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="cat.png"; filename*=UTF-8''cat.png`);
    expect(res.headers.get("accept-ranges")).toBe("bytes");

    const thumb = await fetchFile(server.url, attachment.id, alice.token, {}, true);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get("content-type")).toBe("image/jpeg");
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 320, 240]);

    for (const [token, status] of [[bob.token, 404], [undefined, 401], ["not-a-token", 401]] as const) {
      const denied = await fetchFile(server.url, attachment.id, token);
      expect(denied.status, `token ${token}`).toBe(status);
      await denied.body?.cancel();
    }
    for (const path of ["/v1/files/nope", `/v1/files/${crypto.randomUUID()}`, `/v1/files/${attachment.id}/other`]) {
      const missing = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(missing.status, path).toBe(404);
      await missing.body?.cancel();
    }
    // The chunks are gone once assembled; the file and its thumbnail stay.
    expect(await blobs.list(`uploads/${attachment.id}/`)).toEqual([]);
    expect(await blobs.stat(`files/${attachment.id}`)).toEqual({ size: png.length });
    expect(await blobs.stat(`thumbnails/${attachment.id}`)).toBeDefined();
  });

  it("an interrupted upload resumes where GetUpload says, from another device too; a lost answer's resend changes nothing", async () => {
    const bytes = randomBytes(300_000);
    const { uploadId } = await alice.clients.files.createUpload({ fileName: "notes.txt", size: BigInt(bytes.length), contentType: "text/plain" });
    const first = bytes.subarray(0, 100_000);
    expect((await alice.clients.files.uploadChunk({ uploadId, offset: 0n, data: first })).received).toBe(100_000n);
    // The answer was lost: the same chunk again is accepted and counted once.
    expect((await alice.clients.files.uploadChunk({ uploadId, offset: 0n, data: first })).received).toBe(100_000n);
    expect(await messageOf(alice.clients.files.uploadChunk({ uploadId, offset: 50_000n, data: bytes.subarray(50_000, 60_000) })))
      .toContain("expected offset 100000");
    expect(await codeOf(alice.clients.files.completeUpload({ uploadId }))).toBe(Code.FailedPrecondition);

    const laptop = await loginDevice(server, alice);
    const where = await laptop.clients.files.getUpload({ uploadId });
    expect(where).toMatchObject({ received: 100_000n, size: 300_000n, completed: false });
    await laptop.clients.files.uploadChunk({ uploadId, offset: where.received, data: bytes.subarray(100_000, 400_000) });
    const { attachment } = await laptop.clients.files.completeUpload({ uploadId });
    expect(attachment).toMatchObject({ contentType: "text/plain", size: 300_000n, hasThumbnail: false, sha256: sha256(bytes) });
    expect((await alice.clients.files.completeUpload({ uploadId })).attachment).toEqual(attachment); // idempotent
    expect(await alice.clients.files.getUpload({ uploadId })).toMatchObject({ completed: true, attachment });
    expect(await codeOf(alice.clients.files.uploadChunk({ uploadId, offset: 300_000n, data: new Uint8Array(1) }))).toBe(Code.FailedPrecondition);

    const res = await fetchFile(server.url, attachment!.id, laptop.token);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    // Another user's upload does not exist, as far as they can tell.
    expect(await codeOf(bob.clients.files.getUpload({ uploadId }))).toBe(Code.NotFound);
    expect(await codeOf(bob.clients.files.uploadChunk({ uploadId, offset: 0n, data: first }))).toBe(Code.NotFound);
    expect(await codeOf(alice.clients.files.getUpload({ uploadId: crypto.randomUUID() }))).toBe(Code.NotFound);
    expect(await codeOf(alice.clients.files.getUpload({ uploadId: "x" }))).toBe(Code.InvalidArgument);
  });

  it("refuses what it must with a precise code: size, name, type, chunk, SHA-256, and uploads left pending", async () => {
    const carol = await registerUser(server, "carol");
    const create = (over: object) => carol.clients.files.createUpload({ fileName: "a.bin", size: 10n, contentType: "application/octet-stream", ...over });
    expect(await codeOf(create({ size: BigInt(maxFileSize + 1) }))).toBe(Code.ResourceExhausted);
    expect((await create({ size: BigInt(maxFileSize) })).maxSize).toBe(BigInt(maxFileSize));
    for (const bad of [{ size: 0n }, { fileName: "" }, { fileName: "dir/" }, { fileName: "x".repeat(256) }, { fileName: "a\nb" },
      { contentType: "png" }, { sha256: "ABC" }, { sha256: "A".repeat(64) }]) {
      expect(await codeOf(create(bad)), Object.keys(bad).join()).toBe(Code.InvalidArgument);
    }
    const { uploadId, maxChunkSize } = await create({ size: 10n });
    expect(await codeOf(carol.clients.files.uploadChunk({ uploadId, offset: 0n, data: new Uint8Array(11) }))).toBe(Code.InvalidArgument);
    expect(await codeOf(carol.clients.files.uploadChunk({ uploadId, offset: 0n, data: new Uint8Array(0) }))).toBe(Code.InvalidArgument);
    const big = await create({ size: BigInt(maxChunkSize + 1) });
    expect(await codeOf(carol.clients.files.uploadChunk({ uploadId: big.uploadId, offset: 0n, data: new Uint8Array(maxChunkSize + 1) })))
      .toBe(Code.InvalidArgument);

    // The SHA-256 declared does not match: refused, and the upload is gone with its bytes.
    const wrong = await carol.clients.files.createUpload({ fileName: "a.txt", size: 3n, contentType: "text/plain", sha256: sha256(Buffer.from("abd")) });
    await carol.clients.files.uploadChunk({ uploadId: wrong.uploadId, offset: 0n, data: Buffer.from("abc") });
    expect(await codeOf(carol.clients.files.completeUpload({ uploadId: wrong.uploadId }))).toBe(Code.InvalidArgument);
    expect(await codeOf(carol.clients.files.getUpload({ uploadId: wrong.uploadId }))).toBe(Code.NotFound);
    expect(await blobs.list(`uploads/${wrong.uploadId}/`)).toEqual([]);
    expect(await blobs.stat(`files/${wrong.uploadId}`)).toBeUndefined();

    // Four pending is the limit: a fifth is refused until one is done with.
    expect(await codeOf(create({}))).toBe("ok");
    expect(await codeOf(create({}))).toBe(Code.ResourceExhausted);
    expect(await codeOf(bob.clients.files.createUpload({ fileName: "b", size: 1n }))).toBe("ok"); // per user
  });

  it("the type is sniffed from the bytes: a claimed image that is not one is octet-stream; a decompression bomb is not decoded", async () => {
    const fake = await upload(bob, Buffer.from("<html><script>alert(1)</script></html>"), { name: "fake.png", type: "image/png" });
    expect(fake).toMatchObject({ contentType: "application/octet-stream", width: 0, height: 0, hasThumbnail: false });
    const csv = await upload(bob, Buffer.from("a,b\n1,2\n"), { name: "t.csv", type: "text/csv" });
    expect(csv.contentType).toBe("text/csv");

    const bomb = pngClaiming(100_000, 100_000);
    const attachment = await upload(bob, bomb, { name: "bomb.png", type: "image/png" });
    expect(attachment).toMatchObject({ contentType: "image/png", width: 100_000, height: 100_000, hasThumbnail: false });
    const thumb = await fetchFile(server.url, attachment.id, bob.token, {}, true);
    expect(thumb.status).toBe(404);
    await thumb.body?.cancel();
  });
});
