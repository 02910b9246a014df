import { fileTypeFromBuffer } from "file-type";
import sharp from "sharp";

/** Bytes `file-type` needs to recognise every format it knows. */
export const sniffBytes = 4100;

/** Types sharp decodes, for which an image gets dimensions and a thumbnail. */
const imageTypes = new Set(["image/jpeg", "image/png", "image/webp", "image/gif", "image/avif", "image/tiff"]);

/**
 * The content type the bytes show (magic numbers, via `file-type`). Bytes with no magic keep a
 * declared text type (text formats have none); any other declared type is not believed and becomes
 * `application/octet-stream`: a client cannot make arbitrary bytes pass for a picture or a PDF.
 */
export async function sniffContentType(head: Uint8Array, declared: string): Promise<string> {
  const found = (await fileTypeFromBuffer(head))?.mime;
  if (found) return found;
  return declared.startsWith("text/") || textLike.has(declared) ? declared : "application/octet-stream";
}

/** Declared types kept for bytes without magic numbers, besides `text/*`. */
const textLike = new Set(["application/json", "application/xml"]);

/** Whether a content type is an image this server makes thumbnails of. */
export const isThumbnailable = (contentType: string) => imageTypes.has(contentType);

/** What {@link inspectImage} found. */
export interface ImageFacts {
  width: number;
  height: number;
  /** A JPEG that fits in `thumbnailSize`², or undefined when the image was not decoded. */
  thumbnail: Buffer | undefined;
}

/** Options of {@link inspectImage}. */
export interface ImageLimits {
  /** Images with more pixels than this are not decoded (a decompression bomb is a few KiB of PNG). */
  maxPixels: number;
  /** The thumbnail's longest side, in pixels. */
  thumbnailSize: number;
}

/**
 * Reads an image's dimensions from its header, and decodes it into a JPEG thumbnail when it has at
 * most `maxPixels` (sharp's `limitInputPixels`, checked again by sharp itself while decoding). An
 * image that does not decode resolves with no thumbnail: it is still a file anyone may download.
 */
export async function inspectImage(bytes: Uint8Array, limits: ImageLimits, onRefused: (reason: string) => void): Promise<ImageFacts> {
  let width = 0;
  let height = 0;
  try {
    // The header only: no pixel is decoded here, whatever the image claims.
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    width = meta.autoOrient?.width ?? meta.width ?? 0;
    height = meta.autoOrient?.height ?? meta.height ?? 0;
  } catch (err) {
    onRefused(`unreadable image header: ${(err as Error).message}`);
    return { width: 0, height: 0, thumbnail: undefined };
  }
  if (width * height > limits.maxPixels || width === 0 || height === 0) {
    onRefused(`${width}x${height} pixels is over the limit of ${limits.maxPixels}`);
    return { width, height, thumbnail: undefined };
  }
  try {
    const thumbnail = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: "error" })
      .autoOrient()
      .resize(limits.thumbnailSize, limits.thumbnailSize, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" }) // JPEG has no alpha: transparent parts turn white, not black
      .jpeg({ quality: 80 })
      .toBuffer();
    return { width, height, thumbnail };
  } catch (err) {
    onRefused(`image did not decode: ${(err as Error).message}`);
    return { width, height, thumbnail: undefined };
  }
}
