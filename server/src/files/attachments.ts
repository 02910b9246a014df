import type { Attachment } from "@chat/gen/chat/v1/message_pb.js";
import type { ConnectError } from "@connectrpc/connect";
import { failedPrecondition, invalidArgument } from "../core/errors.ts";
import type { Store } from "../engines/store/interface.ts";
import type { UploadMessage } from "../engines/store/upload-store.ts";
import { toAttachment, type Uploads } from "./uploads.ts";

/** Files one message may carry. */
export const maxAttachments = 10;

/**
 * Files in messages: a send claims its completed uploads before the message is stored (so that two
 * sends cannot both carry one file), binds them to the seq it got, and a deleted message's files go
 * from the blob store and the store.
 */
export class Attachments {
  private readonly store: Store;
  private readonly uploads: Uploads;

  constructor(store: Store, uploads: Uploads) {
    this.store = store;
    this.uploads = uploads;
  }

  /**
   * Claims the caller's completed uploads for one message, in the order given, and resolves them as
   * attachments. A retried send (same client message id) claims them again successfully. On any
   * refusal the claims made by this call are undone.
   */
  async claim(message: UploadMessage, ids: readonly string[]): Promise<Attachment[]> {
    if (ids.length > maxAttachments) throw invalidArgument(`at most ${maxAttachments} attachments per message`);
    if (new Set(ids).size !== ids.length) throw invalidArgument("attachment_ids has the same id twice");
    const claimed: string[] = [];
    try {
      const attachments: Attachment[] = [];
      for (const id of ids) {
        const upload = /^[0-9a-f-]{36}$/.test(id) ? await this.store.getUpload(id) : undefined;
        if (!upload || upload.ownerId !== message.senderId || this.uploads.isExpired(upload)) throw this.uploads.notFound(id, "attachment");
        if (!upload.file) throw failedPrecondition(`upload ${id} is not completed; call CompleteUpload first`);
        if (!(await this.store.claimUpload(id, message))) throw await this.refusal(id);
        claimed.push(id);
        attachments.push(toAttachment(upload));
      }
      return attachments;
    } catch (err) {
      await Promise.all(claimed.map((id) => this.store.releaseUpload(id, message)));
      throw err;
    }
  }

  /** Why a claim was refused: another message has the upload, or the expiry took it meanwhile. */
  private async refusal(id: string): Promise<ConnectError> {
    const upload = await this.store.getUpload(id);
    if (!upload || this.uploads.isExpired(upload)) return this.uploads.notFound(id, "attachment");
    return failedPrecondition(`attachment ${id} was sent in another message already`);
  }

  /** Records the seq of the message the claimed uploads went out in. */
  async bind(message: UploadMessage, ids: readonly string[], seq: number): Promise<void> {
    await Promise.all(ids.map((id) => this.store.bindUpload(id, message, seq)));
  }

  /** Undoes the claims of a send that was not stored. */
  async release(message: UploadMessage, ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.store.releaseUpload(id, message)));
  }

  /** Deletes the files of a deleted message: blobs (file, thumbnail) and records. */
  async erase(conversationId: string, seq: number): Promise<void> {
    for (const id of await this.store.listMessageUploads(conversationId, seq)) {
      const upload = await this.store.getUpload(id);
      if (upload) await this.uploads.remove(upload);
    }
  }
}
