import { createHash } from "node:crypto";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import type { Attachment } from "@chat/gen/chat/v1/message_pb.js";
import { createFsBlobStore } from "../src/engines/blobs/fs/fs-blob-store.ts";
import type { BlobStore } from "../src/engines/blobs/interface.ts";
import { createS3BlobStore } from "../src/engines/blobs/s3/s3-blob-store.ts";
import type { TestUser } from "./harness.ts";

/** How a test node keeps its files: its own folder, or a bucket of its own on the run's SeaweedFS. */
export interface BlobSetup {
  name: string;
  /** Server flags for it. */
  args(s3Url: string): string[];
  /** A second client of the same place, to look at the blobs behind the server's back. */
  open(s3Url: string, dataDir: string): Promise<BlobStore>;
}

/** The two blob engines a file test runs against. */
export function blobSetups(): BlobSetup[] {
  const bucket = `files-${crypto.randomUUID().slice(0, 13)}`;
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  return [
    { name: "fs", args: () => [], open: async (_s3, dataDir) => createFsBlobStore({ root: join(dataDir, "blobs") }) },
    {
      name: "s3",
      args: (s3Url) => ["--s3-bucket", bucket, "--s3-endpoint", s3Url, "--s3-access-key-id", "test", "--s3-secret-access-key", "test"],
      open: (s3Url) => createS3BlobStore({ endpoint: s3Url, bucket, credentials }),
    },
  ];
}

/** Uploads `bytes` in chunks of `chunk` bytes and completes it. */
export async function upload(user: TestUser, bytes: Uint8Array, options: { name?: string; type?: string; chunk?: number; sha256?: boolean } = {}): Promise<Attachment> {
  const { uploadId, maxChunkSize } = await user.clients.files.createUpload({
    fileName: options.name ?? "file.bin", size: BigInt(bytes.length), contentType: options.type ?? "application/octet-stream",
    sha256: options.sha256 === false ? "" : sha256(bytes),
  });
  const chunk = Math.min(options.chunk ?? maxChunkSize, maxChunkSize);
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    await user.clients.files.uploadChunk({ uploadId, offset: BigInt(offset), data: bytes.subarray(offset, offset + chunk) });
  }
  return (await user.clients.files.completeUpload({ uploadId })).attachment!;
}

/** GETs a file (or its thumbnail) over plain HTTP as `token`'s user. */
export function fetchFile(baseUrl: string, id: string, token: string | undefined, headers: Record<string, string> = {}, thumbnail = false): Promise<Response> {
  return fetch(`${baseUrl}/v1/files/${id}${thumbnail ? "/thumbnail" : ""}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

/** Lower-case hex SHA-256. */
export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * A valid PNG that claims `width`×`height` pixels in a few dozen bytes: a decompression bomb's
 * header (the one row of pixel data it carries would fail decoding anyway).
 */
export function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(Math.min(1 + width * 3, 4096)))), chunk("IEND", Buffer.alloc(0)),
  ]);
}
