/**
 * The S3 side of the media store: `@aws-sdk/client-s3` and `@aws-sdk/lib-storage`, loaded on first
 * use (`await import`), so an agent that never touches a File does not load them. Every client
 * gets the grant's credentials and region explicitly (the SDK never looks for credentials itself,
 * so it never probes a cloud metadata address) and path-style addressing against the resolved
 * endpoint (`{endpoint}/{bucket}/{key}`), the same for the embedded server, MinIO and AWS.
 */
import { Transform, type Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { MediaGrant } from "./platform.js";
import { MediaError } from "./errors.js";

type S3Module = typeof import("@aws-sdk/client-s3");
type StorageModule = typeof import("@aws-sdk/lib-storage");

let s3Module: Promise<S3Module> | undefined;
let storageModule: Promise<StorageModule> | undefined;

/** `@aws-sdk/client-s3`, imported once, on first use. */
export function loadS3(): Promise<S3Module> {
  s3Module ??= import("@aws-sdk/client-s3");
  return s3Module;
}

/** `@aws-sdk/lib-storage`, imported once, on first upload. */
export function loadStorage(): Promise<StorageModule> {
  storageModule ??= import("@aws-sdk/lib-storage");
  return storageModule;
}

/** An S3 client for one grant. */
export async function s3ClientFor(grant: MediaGrant, endpoint: string, maxAttempts = 3): Promise<S3Client> {
  const { S3Client } = await loadS3();
  // The SDK warns once per process (on stderr) that its releases after January 2027 need Node 22;
  // that is not the user's to act on here (our engines say Node 20.12), so the first client is
  // made with the SDK's own switch for it set, unless the user set it.
  const quiet = process.env[SDK_NODE_WARNING_ENV] === undefined;
  if (quiet) process.env[SDK_NODE_WARNING_ENV] = "true";
  try {
    return makeClient(S3Client, grant, endpoint, maxAttempts);
  } finally {
    if (quiet) delete process.env[SDK_NODE_WARNING_ENV];
  }
}

const SDK_NODE_WARNING_ENV = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

function makeClient(S3Client: S3Module["S3Client"], grant: MediaGrant, endpoint: string, maxAttempts: number): S3Client {
  return new S3Client({
    endpoint,
    region: grant.region,
    forcePathStyle: true,
    credentials: { accessKeyId: grant.accessKey, secretAccessKey: grant.secretKey, sessionToken: grant.sessionToken },
    // Checksums only where S3 requires them: S3-compatible stores (older MinIO, the embedded
    // server's plain modes) all take a signed payload hash, not all take the CRC trailers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts,
  });
}

/** What a HEAD of the object says. */
export interface ObjectInfo {
  size: number | undefined;
  contentType: string | undefined;
  /** The file name from Content-Disposition or the `original-file-name` metadata. */
  name: string | undefined;
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*` wins over `filename`). */
export function fileNameOfDisposition(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(value);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(value);
  if (plain) return (plain[1] ?? plain[2])!.replace(/\\(.)/g, "$1");
  return undefined;
}

/** A Content-Disposition naming `name` (ASCII fallback plus the UTF-8 form). */
export function dispositionOf(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Turns an SDK error into a MediaError naming the object and the endpoint. */
export function transferError(what: string, grant: MediaGrant, endpoint: string, error: unknown): MediaError {
  if (error instanceof MediaError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; Code?: string };
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name;
  const detail = `${code && code !== "Error" ? `${code}: ` : ""}${e.message ?? String(error)}${status ? ` (HTTP ${status})` : ""}`;
  const hint =
    status === 403
      ? "the grant was refused: it may have expired or belong to another object; try again (a fresh grant is requested per transfer)"
      : status === undefined
        ? `check that the S3 endpoint ${endpoint} is reachable (set ARKITEKT_S3_URL or the s3Url option to change it)`
        : undefined;
  return new MediaError("TRANSFER", `could not ${what} ${grant.path} at ${endpoint}: ${detail}`, hint, { cause: error });
}

/** What the headers of a HEAD or GET say about the object. */
function infoOf(headers: { ContentLength?: number | undefined; ContentType?: string | undefined; ContentDisposition?: string | undefined; Metadata?: Record<string, string> | undefined }): ObjectInfo {
  const metaName = headers.Metadata?.["original-file-name"];
  return {
    size: headers.ContentLength,
    contentType: headers.ContentType || undefined,
    name: fileNameOfDisposition(headers.ContentDisposition) ?? (metaName ? safeDecode(metaName) : undefined),
  };
}

/** HEAD of the object. */
export async function headObject(grant: MediaGrant, endpoint: string): Promise<ObjectInfo> {
  const client = await s3ClientFor(grant, endpoint);
  const { HeadObjectCommand } = await loadS3();
  try {
    return infoOf(await client.send(new HeadObjectCommand({ Bucket: grant.bucket, Key: grant.key })));
  } catch (error) {
    throw transferError("read the size of", grant, endpoint, error);
  } finally {
    client.destroy();
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The object's bytes as a stream (GetObject), with what the response headers say about it (so a
 * download needs no HEAD); `signal` aborts the request.
 */
export async function getObjectStream(grant: MediaGrant, endpoint: string, signal?: AbortSignal): Promise<{ body: Readable; info: ObjectInfo }> {
  const client = await s3ClientFor(grant, endpoint);
  const { GetObjectCommand } = await loadS3();
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: grant.bucket, Key: grant.key }), signal ? { abortSignal: signal } : {});
    const body = got.Body as Readable | undefined;
    if (!body || typeof (body as { pipe?: unknown }).pipe !== "function") {
      throw new MediaError("TRANSFER", `the S3 endpoint ${endpoint} sent no body for ${grant.path}`);
    }
    body.once("close", () => client.destroy());
    return { body, info: infoOf(got) };
  } catch (error) {
    client.destroy();
    throw transferError("download", grant, endpoint, error);
  }
}

export interface PutOptions {
  contentType?: string | undefined;
  name: string;
  /**
   * The exact size of `body`, when known. Up to `singlePutMaxBytes` the body goes as one streamed
   * PutObject with this Content-Length (the stream must bring exactly this many bytes).
   */
  size?: number | undefined;
  singlePutMaxBytes: number;
  partSize: number;
  queueSize: number;
  signal?: AbortSignal | undefined;
}

/** Whether an upload of `size` bytes goes as one PutObject (else multipart). */
export function isSinglePut(size: number | undefined, singlePutMaxBytes: number): size is number {
  return size !== undefined && size <= singlePutMaxBytes;
}

/**
 * Writes `body` to the grant's object: one streamed PutObject when its size is known and at most
 * `singlePutMaxBytes` (nothing buffered, the bytes written once on the server), else lib-storage's
 * `Upload` (a multipart upload above the part size, aborted on failure; memory holds at most
 * `queueSize` parts). A failed single PUT is not retried here: its stream is consumed (the caller
 * retries with a fresh stream when it can, e.g. from a path).
 */
export async function putObjectStream(grant: MediaGrant, endpoint: string, body: Readable, options: PutOptions): Promise<void> {
  const single = isSinglePut(options.size, options.singlePutMaxBytes);
  // One attempt for a single PUT: the SDK would retry with the same, already consumed, stream.
  const client = await s3ClientFor(grant, endpoint, single ? 1 : 3);
  const params = {
    Bucket: grant.bucket,
    Key: grant.key,
    Body: body,
    ...(options.contentType ? { ContentType: options.contentType } : {}),
    ContentDisposition: dispositionOf(options.name),
  };
  let abort: () => void;
  let done: () => Promise<unknown>;
  let bodyError: unknown;
  if (single) {
    const { PutObjectCommand } = await loadS3();
    const controller = new AbortController();
    abort = () => controller.abort();
    const size = options.size!;
    const checked = exactly(body, size, grant.path);
    // The SDK pipes the body into the request without listening for its errors: a failing body
    // (short, too long, a source error) aborts the request, and that error is the one thrown.
    checked.once("error", (error) => {
      bodyError = error;
      controller.abort(error);
    });
    const put = new PutObjectCommand({ ...params, Body: checked, ContentLength: size });
    done = () => client.send(put, { abortSignal: controller.signal });
  } else {
    const { Upload } = await loadStorage();
    const upload = new Upload({ client, params, partSize: options.partSize, queueSize: options.queueSize, leavePartsOnError: false });
    abort = () => void upload.abort().catch(() => undefined);
    done = () => upload.done();
  }
  const onAbort = (): void => abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    await done();
  } catch (error) {
    if (options.signal?.aborted) throw new MediaError("TRANSFER", `the upload of ${grant.path} was aborted`, undefined, { cause: error });
    throw transferError("upload", grant, endpoint, bodyError ?? error);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    client.destroy();
  }
}

/**
 * `body`, failing when it brings more or fewer bytes than the Content-Length sent (otherwise a
 * short stream would leave the server waiting for the rest).
 */
function exactly(body: Readable, size: number, path: string): Readable {
  let seen = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > size) callback(new MediaError("TRANSFER", `the upload of ${path} brought more than the ${size} bytes announced`, "pass the stream's exact size (or none)"));
      else callback(null, chunk);
    },
    flush(callback) {
      if (seen < size) callback(new MediaError("TRANSFER", `the upload of ${path} ended after ${seen} of the ${size} bytes announced`, "pass the stream's exact size (or none)"));
      else callback();
    },
  });
  body.on("error", (error) => check.destroy(error));
  return body.pipe(check);
}
