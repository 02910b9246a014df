import type { ConnectRouter } from "@connectrpc/connect";
import { FileService } from "@chat/gen/chat/v1/file_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Uploads } from "../files/uploads.ts";

/** chat.v1.FileService: resumable uploads in chunks (files/uploads.ts); the bytes are read over HTTP (files/downloads.ts). */
export function registerFileService(router: ConnectRouter, uploads: Uploads): void {
  router.service(FileService, {
    createUpload: (req, ctx) => uploads.create(callerOf(ctx), req),
    async uploadChunk(req, ctx) {
      return { received: await uploads.chunk(callerOf(ctx), req) };
    },
    getUpload: (req, ctx) => uploads.get(callerOf(ctx), req),
    async completeUpload(req, ctx) {
      return { attachment: await uploads.complete(callerOf(ctx), req) };
    },
  });
}
