import type { Attachment } from "@chat/gen/chat/v1/message_pb.js";

/** Thumbnails kept as blob: URLs at most (the oldest is revoked first). */
const maxThumbnails = 200;

/**
 * Fetches attachments over the server's HTTP paths (`GET /v1/files/{id}` and `/thumbnail`, see
 * file.proto) with the bearer token: an `<img src>` or a plain link cannot carry the token, so the
 * bytes are fetched here and handed to the page as blob: URLs (which the CSP allows for images).
 */
export class FileFetch {
  private readonly serverUrl: string;
  private readonly token: string;
  /** Thumbnail URLs by attachment id, oldest first; bounded by `maxThumbnails`. */
  private readonly thumbnails = new Map<string, Promise<string>>();

  constructor(serverUrl: string, token: string) {
    this.serverUrl = serverUrl.replace(/\/$/, "");
    this.token = token;
  }

  /** A blob: URL of an image's thumbnail, fetched once (while kept). Rejects on a refusal. */
  thumbnail(attachmentId: string): Promise<string> {
    const known = this.thumbnails.get(attachmentId);
    if (known !== undefined) return known;
    const url = this.fetchBlob(`${this.path(attachmentId)}/thumbnail`).then((blob) => URL.createObjectURL(blob));
    // A failed fetch is not kept: the next drawing tries again.
    url.catch(() => this.thumbnails.delete(attachmentId));
    this.thumbnails.set(attachmentId, url);
    while (this.thumbnails.size > maxThumbnails) {
      const [oldest, gone] = this.thumbnails.entries().next().value!;
      this.thumbnails.delete(oldest);
      void gone.then((u) => URL.revokeObjectURL(u), () => undefined);
    }
    return url;
  }

  /** Fetches the file and hands it to the browser as a download under its own name. */
  async download(attachment: Pick<Attachment, "id" | "fileName">): Promise<void> {
    const url = URL.createObjectURL(await this.fetchBlob(this.path(attachment.id)));
    const link = document.createElement("a");
    link.href = url;
    link.download = attachment.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the bytes once the click is handled.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** Revokes every thumbnail URL (logout). */
  dispose(): void {
    for (const url of this.thumbnails.values()) void url.then((u) => URL.revokeObjectURL(u), () => undefined);
    this.thumbnails.clear();
  }

  private path(attachmentId: string): string {
    return `${this.serverUrl}/v1/files/${encodeURIComponent(attachmentId)}`;
  }

  private async fetchBlob(url: string): Promise<Blob> {
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) throw new Error(res.status === 404 ? "the file is gone, or you may not see it" : `the server answered ${res.status}`);
    return res.blob();
  }
}
