import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createFsBlobStore } from "./fs/fs-blob-store.ts";
import type { BlobStore } from "./interface.ts";
import { createS3BlobStore } from "./s3/s3-blob-store.ts";

/** An implementation under test and how to throw its data away. */
interface BlobEngine {
  open(): Promise<BlobStore>;
  destroy(): Promise<void>;
}

const engines: { name: string; make: () => BlobEngine }[] = [
  { name: "fs", make: () => {
    const dir = mkdtempSync(join(tmpdir(), "blob-contract-"));
    return { open: async () => createFsBlobStore({ root: join(dir, "blobs") }), destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  } },
  { name: "s3 (SeaweedFS)", make: () => {
    // A bucket per run: the S3 server is shared by every test file.
    const bucket = `contract-${randomUUID().slice(0, 13)}`;
    const open = () => createS3BlobStore({ endpoint: inject("s3Url"), bucket, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    return {
      open,
      async destroy() {
        const store = await open();
        for (const key of await store.list("")) await store.delete(key);
        await store.close();
      },
    };
  } },
];

async function text(stream: Readable | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts).toString("latin1");
}

describe.each(engines)("BlobStore contract: $name", ({ make }) => {
  let engine: BlobEngine;
  let store: BlobStore;

  beforeAll(async () => {
    engine = make();
    store = await engine.open();
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await engine?.destroy();
  });

  it("puts bytes and streams, ranges, stats, replaces and deletes them; a missing key is undefined", async () => {
    await store.put("files/a", Buffer.from("hello, world"), 12);
    expect(await text(await store.get("files/a"))).toBe("hello, world");
    expect(await text(await store.get("files/a", { start: 7, end: 11 }))).toBe("world");
    expect(await text(await store.get("files/a", { start: 0, end: 0 }))).toBe("h");
    expect(await store.stat("files/a")).toEqual({ size: 12 });

    await store.put("files/a", Readable.from([Buffer.from("bye")]), 3);
    expect(await text(await store.get("files/a"))).toBe("bye");

    await store.delete("files/a");
    expect(await store.get("files/a")).toBeUndefined();
    expect(await store.stat("files/a")).toBeUndefined();
    await store.delete("files/a"); // idempotent
    expect(await store.get("files/never")).toBeUndefined();
  });

  it("streams a large blob in and out unchanged", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536));
    await store.put("files/big", Readable.from(chunks), bytes.length);
    const back = Buffer.from((await text(await store.get("files/big")))!, "latin1");
    expect(back.equals(bytes)).toBe(true);
    const tail = Buffer.from((await text(await store.get("files/big", { start: bytes.length - 100, end: bytes.length - 1 })))!, "latin1");
    expect(tail.equals(bytes.subarray(-100))).toBe(true);
  });

  it("a body shorter than the size given is refused and stores nothing", async () => {
    await expect(store.put("files/short", Readable.from([Buffer.from("abc")]), 10)).rejects.toThrow();
    expect(await store.stat("files/short")).toBeUndefined();
  });

  it("lists keys under a prefix in byte order, and nothing else", async () => {
    const id = randomUUID();
    for (const offset of ["000000000010", "000000000000", "000000000005"]) await store.put(`uploads/${id}/${offset}`, Buffer.from("x"), 1);
    await store.put(`uploads/${id}x/000000000000`, Buffer.from("x"), 1);
    expect(await store.list(`uploads/${id}/`)).toEqual(["000000000000", "000000000005", "000000000010"].map((o) => `uploads/${id}/${o}`));
    for (const key of await store.list(`uploads/${id}/`)) await store.delete(key);
    expect(await store.list(`uploads/${id}/`)).toEqual([]);
    expect(await store.list("nothing/here/")).toEqual([]);
  });

  it("refuses keys that could leave its folder or bucket layout", async () => {
    for (const key of ["../x", "a/../../b", "/abs", "a//b", "", "a/b c"]) {
      await expect(store.put(key, Buffer.from("x"), 1), key).rejects.toThrow(/bad blob key/);
    }
  });
});
