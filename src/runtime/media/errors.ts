/** Errors of the media store (File, upload, download). */
import { ArkitektError } from "../../shared/errors.js";

/** Why a media operation failed. */
export type MediaErrorKind =
  /** The platform refused a grant or the store id (unknown, another organisation, expired). */
  | "REFUSED"
  /** The S3 transfer failed (network, a refused signature, a size over the grant's limit). */
  | "TRANSFER"
  /** A File was used in a way it cannot be (a stream read twice, an id before upload). */
  | "USAGE"
  /** The media cache cannot hold the file. */
  | "CACHE";

export class MediaError extends ArkitektError {
  override readonly name = "MediaError";
  readonly code = "ARKITEKT_MEDIA";
  constructor(
    readonly kind: MediaErrorKind,
    message: string,
    override readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
