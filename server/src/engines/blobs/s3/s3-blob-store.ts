import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, S3ServiceException,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { type BlobStore, checkBlobKey, checkBlobPrefix } from "../interface.ts";
import { sizedBody } from "../sized-body.ts";

/** Options of {@link createS3BlobStore}. */
export interface S3BlobStoreOptions {
  /** The S3 endpoint, e.g. http://127.0.0.1:8333 for SeaweedFS; unset uses AWS's regional endpoint. */
  endpoint?: string;
  bucket: string;
  /** "us-east-1" unless told otherwise (S3-compatible servers mostly ignore it, the signature needs one). */
  region?: string;
  /** Static credentials; unset uses the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Creates the bucket at start when it is missing (true by default; turn off when the keys may not create buckets). */
  createBucket?: boolean;
}

/**
 * The cluster's blob store: S3-compatible object storage (AWS S3, SeaweedFS, Ceph RGW, Garage…)
 * through `@aws-sdk/client-s3`, with path-style addressing so that any endpoint works. Every node
 * of a cluster sees the same blobs. A PutObject is atomic and durable once acknowledged, which is
 * the contract's `put`; ranged reads are S3's own `Range` header.
 */
export async function createS3BlobStore(options: S3BlobStoreOptions): Promise<BlobStore> {
  const { bucket } = options;
  const client = new S3Client({
    region: options.region ?? "us-east-1",
    forcePathStyle: true,
    // Checksums only where S3 requires them: the default wraps every body in a checksumming stream
    // (aws-chunked encoding) that not every S3-compatible server takes, and that loses body errors.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  if (options.createBucket ?? true) await ensureBucket(client, bucket);

  return {
    describe: `s3(${options.endpoint ?? "aws"}/${bucket})`,
    async put(key, body, size) {
      checkBlobKey(key);
      // The SDK does not fail a request whose body stream errors (it waits): abort it ourselves.
      const source = sizedBody(key, body, size);
      const abort = new AbortController();
      let bodyError: unknown;
      source.once("error", (err) => {
        bodyError = err;
        abort.abort(err);
      });
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: source, ContentLength: size }), { abortSignal: abort.signal });
      } catch (err) {
        throw bodyError ?? err;
      }
    },
    async get(key, range) {
      checkBlobKey(key);
      try {
        const res = await client.send(new GetObjectCommand({
          Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }));
        return res.Body instanceof Readable ? res.Body : Readable.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async stat(key) {
      checkBlobKey(key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: res.ContentLength ?? 0 };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async delete(key) {
      checkBlobKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async list(prefix) {
      checkBlobPrefix(prefix);
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    },
    async close() {
      client.destroy();
    },
  };
}

/** Creates the bucket unless it exists (another node may create it at the same moment: that is fine). */
async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = err instanceof S3ServiceException ? err.name : "";
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw err;
  }
}

/** A 404 from S3 (NoSuchKey, NotFound on HEAD, NoSuchBucket). */
function isMissing(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === "NoSuchKey" || err.name === "NotFound");
}
