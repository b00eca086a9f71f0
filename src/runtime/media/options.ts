/**
 * The media store's limits and places, with their defaults. `configureMedia()` sets them for the
 * process; the environment (`ARKITEKT_CACHE_MAX_BYTES`, `ARKITEKT_CACHE_DIR`) is read when an
 * option was not set.
 */
import { MediaError } from "./errors.js";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** S3's limit for one PutObject. */
export const SINGLE_PUT_LIMIT = 5 * GiB;

export const CACHE_MAX_BYTES_ENV = "ARKITEKT_CACHE_MAX_BYTES";
export const CACHE_DIR_ENV = "ARKITEKT_CACHE_DIR";

export interface MediaOptions {
  /**
   * Where `File.path()` keeps downloaded files. Default env ARKITEKT_CACHE_DIR, else
   * `.arkitekt/cache/media/` in the app folder (the nearest folder above the working directory
   * with an `arkitekt.json` or `package.json`).
   */
  cacheDir?: string;
  /**
   * The most bytes the cache keeps; the least recently used files go first. Default env
   * ARKITEKT_CACHE_MAX_BYTES, else 1 GiB. A single file larger than this is refused by `path()`
   * (read it with `stream()` or `download()`).
   */
  cacheMaxBytes?: number;
  /** The size of one part of a multipart upload (the S3 minimum is 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** How many parts of one upload are in flight at once (each holds one part in memory). Default 4. */
  uploadConcurrency?: number;
  /**
   * Uploads of a known size up to this many bytes go as one streamed PutObject (no part buffers,
   * the bytes written once); larger ones and streams of unknown size go as a multipart upload.
   * Default 1 GiB; at most 5 GiB (S3's limit for one PUT); 0 sends every upload as multipart.
   */
  singlePutMaxBytes?: number;
  /** Transfers larger than this report progress on the running task. Default 4 MiB. */
  progressAboveBytes?: number;
}

export interface ResolvedMediaOptions {
  cacheDir: string | undefined;
  cacheMaxBytes: number;
  partSize: number;
  uploadConcurrency: number;
  singlePutMaxBytes: number;
  progressAboveBytes: number;
}

export const MEDIA_DEFAULTS = {
  cacheMaxBytes: GiB,
  partSize: 8 * MiB,
  uploadConcurrency: 4,
  singlePutMaxBytes: GiB,
  progressAboveBytes: 4 * MiB,
} as const;

let configured: MediaOptions = {};

function positiveInteger(value: unknown, what: string, min = 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new MediaError("USAGE", `${what} must be a whole number of at least ${min}, got ${String(value)}`, `fix ${what}`);
  }
  return value;
}

/** Sets the media options of this process (merged over what was set before). */
export function configureMedia(options: MediaOptions): void {
  if (options.cacheMaxBytes !== undefined) positiveInteger(options.cacheMaxBytes, "cacheMaxBytes");
  if (options.partSize !== undefined) positiveInteger(options.partSize, "partSize", 5 * MiB);
  if (options.uploadConcurrency !== undefined) positiveInteger(options.uploadConcurrency, "uploadConcurrency");
  if (options.progressAboveBytes !== undefined) positiveInteger(options.progressAboveBytes, "progressAboveBytes", 0);
  if (options.singlePutMaxBytes !== undefined) {
    positiveInteger(options.singlePutMaxBytes, "singlePutMaxBytes", 0);
    if (options.singlePutMaxBytes > SINGLE_PUT_LIMIT) {
      throw new MediaError(
        "USAGE",
        `singlePutMaxBytes must be at most ${SINGLE_PUT_LIMIT} (5 GiB, S3's limit for one PUT), got ${options.singlePutMaxBytes}`,
        "lower singlePutMaxBytes: larger files go as a multipart upload",
      );
    }
  }
  configured = { ...configured, ...options };
}

/** The options in force: configured, else the environment, else the defaults. */
export function mediaOptions(env: Readonly<Record<string, string | undefined>> = process.env): ResolvedMediaOptions {
  let cacheMaxBytes = configured.cacheMaxBytes;
  if (cacheMaxBytes === undefined && env[CACHE_MAX_BYTES_ENV] !== undefined && env[CACHE_MAX_BYTES_ENV] !== "") {
    const text = env[CACHE_MAX_BYTES_ENV]!.trim();
    const parsed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < 1) {
      throw new MediaError("USAGE", `${CACHE_MAX_BYTES_ENV}=${JSON.stringify(text)} is not a number of bytes`, `set ${CACHE_MAX_BYTES_ENV} to a whole number of bytes, e.g. 1073741824 for 1 GiB`);
    }
    cacheMaxBytes = parsed;
  }
  const cacheDir = configured.cacheDir ?? (env[CACHE_DIR_ENV] ? env[CACHE_DIR_ENV] : undefined);
  return {
    cacheDir,
    cacheMaxBytes: cacheMaxBytes ?? MEDIA_DEFAULTS.cacheMaxBytes,
    partSize: configured.partSize ?? MEDIA_DEFAULTS.partSize,
    uploadConcurrency: configured.uploadConcurrency ?? MEDIA_DEFAULTS.uploadConcurrency,
    singlePutMaxBytes: configured.singlePutMaxBytes ?? MEDIA_DEFAULTS.singlePutMaxBytes,
    progressAboveBytes: configured.progressAboveBytes ?? MEDIA_DEFAULTS.progressAboveBytes,
  };
}

/** Forgets what `configureMedia` set (tests). */
export function resetMediaOptions(): void {
  configured = {};
}
