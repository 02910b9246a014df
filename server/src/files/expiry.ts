import { PeriodicPass } from "../engines/periodic-pass.ts";
import type { Store } from "../engines/store/interface.ts";
import type { UploadMessage, UploadRecord } from "../engines/store/upload-store.ts";
import type { Uploads } from "./uploads.ts";

/** Options of {@link UploadExpiry}. */
export interface UploadExpiryOptions {
  /** An upload not sent within this long is deleted. */
  expiryMs: number;
  /** How often to look; 10 minutes by default. */
  intervalMs?: number;
  /** Uploads deleted per pass at most, so that one pass stays short; the next pass takes the rest. */
  batch?: number;
  onError: (error: unknown) => void;
}

/**
 * The claim the expiry takes on an upload before deleting it (no conversation has this id): a send
 * racing with the deletion loses the compare-and-set and is told the upload expired, rather than
 * storing a message whose file is about to go.
 */
export const expiryClaim: UploadMessage = { conversationId: "expired", senderId: "expired", clientMessageId: "expired" };

/** Whether an upload's claim is the expiry's (it is being deleted, or its deletion was interrupted). */
export const isExpiryClaim = (claim: UploadMessage | undefined): boolean => claim?.conversationId === expiryClaim.conversationId;

/** Messages read per page, and pages at most, when looking for the message a claim was made for. */
const scanPage = 200;
const scanPages = 50;
/** Two nodes' clocks may disagree this much (an upload's creation and a message's send time). */
const clockSkewMs = 5 * 60_000;

/**
 * Deletes uploads not sent within `expiryMs` (finished or not): their blobs, then their records. An
 * upload claimed by a send but never bound to a seq (the send crashed, or failed Unavailable and was
 * never retried) is looked for in its conversation: bound when the message was stored after all,
 * deleted like an unsent one otherwise. Runs on every node; each deletion first takes the upload by
 * compare-and-set (`expiryClaim`), so two nodes, or a node and a send, never both win one upload.
 */
export class UploadExpiry {
  private readonly passes: PeriodicPass<number>;
  private readonly store: Store;
  private readonly uploads: Uploads;
  private readonly options: UploadExpiryOptions;

  constructor(store: Store, uploads: Uploads, options: UploadExpiryOptions) {
    this.store = store;
    this.uploads = uploads;
    this.options = options;
    this.passes = new PeriodicPass(() => this.sweepNow(), options.intervalMs ?? 600_000, options.onError);
  }

  /** One pass; resolves how many uploads it deleted. A pass already running is joined, not doubled. */
  sweep(): Promise<number> {
    return this.passes.run();
  }

  private async sweepNow(): Promise<number> {
    const cutoff = new Date(Date.now() - this.options.expiryMs);
    let deleted = 0;
    for (const upload of await this.store.listUnsentUploadsBefore(cutoff, this.options.batch ?? 200)) {
      if (await this.expire(upload)) deleted++;
    }
    return deleted;
  }

  /** Deletes one listed upload unless a message has it; resolves whether it deleted it. */
  private async expire(upload: UploadRecord): Promise<boolean> {
    const claim = upload.message;
    if (claim && !isExpiryClaim(claim)) {
      const seq = await this.storedSeq(upload, claim);
      if (seq === "unknown") return false;
      if (seq !== undefined) {
        await this.store.bindUpload(upload.id, claim, seq); // the send was stored; its bind was lost
        return false;
      }
      await this.store.releaseUpload(upload.id, claim);
    }
    // Lost: a send claimed it meanwhile (it is that message's file now).
    if (!(await this.store.claimUpload(upload.id, expiryClaim))) return false;
    await this.uploads.remove(upload);
    return true;
  }

  /**
   * The seq of the live message a claim was made for, undefined when there is none (never stored, or
   * deleted since: its files go), or "unknown" when too many messages came after the upload to look.
   */
  private async storedSeq(upload: UploadRecord, claim: UploadMessage): Promise<number | undefined | "unknown"> {
    const since = upload.createdAt.getTime() - clockSkewMs;
    let beforeSeq: number | undefined;
    for (let page = 0; page < scanPages; page++) {
      const messages = await this.store.listMessages(claim.conversationId, { beforeSeq, limit: scanPage, order: "desc" });
      const found = messages.find((m) => m.senderId === claim.senderId && m.clientMessageId === claim.clientMessageId);
      if (found) return found.deletedAt ? undefined : found.seq;
      const oldest = messages.at(-1);
      if (!oldest || messages.length < scanPage || oldest.sentAt.getTime() < since) return undefined;
      beforeSeq = oldest.seq;
    }
    this.options.onError(new Error(`upload ${upload.id}: kept, since its send's message may be among the more than ${scanPage * scanPages} messages of conversation ${claim.conversationId} since`));
    return "unknown";
  }

  /** Stops the timer (a pass in flight finishes on its own). */
  close(): void {
    this.passes.close();
  }
}
