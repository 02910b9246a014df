import type { BlobConfig } from "../../config.ts";
import { createFsBlobStore } from "./fs/fs-blob-store.ts";
import type { BlobStore } from "./interface.ts";
import { createS3BlobStore } from "./s3/s3-blob-store.ts";

/** The blob store the configuration names: S3-compatible storage when a bucket is set, else a folder. */
export async function createBlobStore(config: BlobConfig): Promise<BlobStore> {
  if (config.kind === "fs") return createFsBlobStore({ root: config.dir });
  return createS3BlobStore({
    bucket: config.bucket, region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}
