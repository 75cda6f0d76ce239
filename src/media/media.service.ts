// Media rules: what a media message may carry (an upload of the right kind, caption, duration,
// thumbnail, plan; or external media's metadata) and who may download a file. Sending the
// message is the message core's (messages/media-message.service.ts).
import type { Config, Feature } from "../config.js";
import { badInput, featureUnavailable, forbidden } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { MediaData, MediaKind, MediaRow } from "./media.entity.js";
import type { MediaMessageDataInput, SendFileMessageInput } from "./media.input.js";
import type { MediaStore } from "./media-store.js";
import { formatDuration } from "./probe.js";
import type { MediaUrlSigner } from "./signed-url.js";

export const MAX_CAPTION = 1024;
/** A client's own thumbnail, base64: at most this many characters (about 96 KiB of image). */
const MAX_THUMBNAIL_CHARS = 128 * 1024;
const DURATION = /^\d{1,4}:[0-5]\d$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const FEATURE_OF_KIND: Record<MediaKind, Feature> = {
  IMAGE: "imageAttachment",
  AUDIO: "audioAttachment",
  VIDEO: "videoAttachment",
  FILE: "documentAttachment",
};

/** Who sees a message carrying a file: the message core (MessageService), handed in by app.ts. */
export interface MediaAudience {
  seesMessageWithMedia(viewerId: number, token: string): Promise<boolean>;
}

export class MediaService {
  constructor(
    private readonly store: MediaStore,
    private readonly messages: MediaAudience,
    private readonly signer: MediaUrlSigner,
    private readonly config: Config,
  ) {}

  /** What sendImageMessage and its siblings carry: a file the caller uploaded, of the mutation's kind. */
  async uploaded(viewer: Viewer, kind: MediaKind, input: SendFileMessageInput): Promise<MediaData> {
    this.requirePlan(kind);
    const caption = this.caption(input.caption);
    const duration = this.duration(input.duration, "input.duration");
    const thumbImage = this.thumbnail(input.thumbImage, "input.thumbImage");
    const media = await this.store.own(viewer.userId, input.fileToken, kind, "input.fileToken");
    return {
      fileToken: media.token,
      url: null,
      fileName: media.fileName,
      fileSize: media.size,
      mimeType: media.mimeType,
      caption,
      duration: kind === "AUDIO" || kind === "VIDEO" ? (duration ?? (media.durationSeconds !== null ? formatDuration(media.durationSeconds) : null)) : null,
      // The client's own thumbnail (e.g. a document's first page) wins over the server's.
      thumbImage: thumbImage ?? media.thumbnail,
      width: media.width,
      height: media.height,
    };
  }

  /** What sendMediaMessageData carries: media stored elsewhere, as metadata only. */
  external(input: MediaMessageDataInput): MediaData {
    const kind = input.msgType;
    this.requirePlan(kind);
    const fileName = input.fileName.trim();
    if (fileName.length === 0 || [...fileName].length > 255 || /[\u0000-\u001f\u007f/\\]/.test(fileName)) {
      throw badInput("input.fileName", "must be 1 to 255 characters, without path separators or control characters");
    }
    if (!isHttpUrl(input.fileUrl)) throw badInput("input.fileUrl", "must be an http(s) URL of at most 2048 characters");
    if (!Number.isSafeInteger(input.fileSize) || input.fileSize < 0) throw badInput("input.fileSize", "must be a whole number of bytes, 0 or more");
    const duration = this.duration(input.duration, "input.duration");
    if ((kind === "AUDIO" || kind === "VIDEO") && duration === null) throw badInput("input.duration", `is required for ${kind} (mm:ss)`);
    const thumbImage = this.thumbnail(input.thumbImage, "input.thumbImage");
    if (kind === "VIDEO" && thumbImage === null) throw badInput("input.thumbImage", "is required for VIDEO (base64)");
    return {
      fileToken: null,
      url: input.fileUrl,
      fileName,
      fileSize: input.fileSize,
      mimeType: null,
      caption: this.caption(input.caption),
      duration: kind === "AUDIO" || kind === "VIDEO" ? duration : null,
      thumbImage,
      width: null,
      height: null,
    };
  }

  /**
   * downloadMedia: a short-lived URL, for the file's owner, anyone who sees a message carrying
   * it, and anyone at all for a profile or group image. Everyone else — and unknown tokens, so
   * that a refusal tells nothing about existence — gets FORBIDDEN.
   */
  async download(viewer: Viewer, token: string): Promise<{ url: string; expiresAt: Date }> {
    const media = token.length <= 64 ? await this.store.find(token) : null;
    if (!media || !(await this.mayDownload(viewer.userId, media))) throw forbidden("fileToken: no file of this token that you may download");
    const { path, expiresAt } = this.signer.sign(media.token);
    return { url: `${this.config.media.publicUrl ?? ""}${path}`, expiresAt };
  }

  private async mayDownload(viewerId: number, media: MediaRow): Promise<boolean> {
    if (media.ownerId === viewerId) return true;
    if (await this.store.isPublicImage(media.token)) return true;
    return this.messages.seesMessageWithMedia(viewerId, media.token);
  }

  private requirePlan(kind: MediaKind): void {
    const feature = FEATURE_OF_KIND[kind];
    if (!this.config.features.has(feature)) throw featureUnavailable(feature);
  }

  private caption(caption: string | null | undefined): string | null {
    if (caption == null || caption.length === 0) return null;
    const length = [...caption].length;
    if (length > MAX_CAPTION) throw badInput("input.caption", `must be at most ${MAX_CAPTION} characters, got ${length}`);
    return caption;
  }

  private duration(duration: string | null | undefined, field: string): string | null {
    if (duration == null) return null;
    if (!DURATION.test(duration)) throw badInput(field, "must be mm:ss, e.g. 03:07");
    return duration;
  }

  private thumbnail(thumbImage: string | null | undefined, field: string): string | null {
    if (thumbImage == null) return null;
    if (thumbImage.length > MAX_THUMBNAIL_CHARS || !BASE64.test(thumbImage)) {
      throw badInput(field, `must be base64 of at most ${MAX_THUMBNAIL_CHARS} characters`);
    }
    return thumbImage;
  }
}

function isHttpUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}
