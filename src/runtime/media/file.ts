/**
 * The built-in File structure (identifier `@arkitekt/file`): a file in the platform's media store
 * that travels by reference. Its wire value is the MediaStore id (a string).
 *
 * - As an argument, a File arrives lazily: `expand` asks for a read grant and the object's size,
 *   type and name (a HEAD), never its bytes; `stream()`, `bytes()`, `text()` and `path()` read it
 *   when asked (`path()` through the size-bounded cache in `.arkitekt/cache/media/`).
 * - As a return, `File.fromPath`, `File.fromStream` and `File.fromBytes` make a local file that
 *   `shrink()` uploads (once), then finishes with `finishMediaUpload`.
 *
 * Bytes always stream: an upload of known size up to `singlePutMaxBytes` (1 GiB) is one streamed
 * PutObject (from a path, sent again from the reopened file if the connection or the server
 * fails); others go through lib-storage in parts of `partSize` (8 MiB). Downloads are the response
 * stream (`download(id)` takes the name and size from the GET's headers, no HEAD). Transfers over
 * 4 MiB inside a task report progress on it. The AWS SDK is loaded on first transfer only.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { currentContext } from "../context.js";
import type { ArkitektClient } from "../caller/client.js";
import { defaultClient } from "../caller/default-client.js";
import { ambientMediaClient } from "./ambient.js";
import { mediaCache } from "./cache.js";
import { safeFileName } from "./file-names.js";
import { MediaError } from "./errors.js";
import { mediaOptions } from "./options.js";
import type { MediaGrant, MediaPlatform } from "./platform.js";
import { ProgressCounter } from "./progress.js";
import { getObjectStream, headObject, isSinglePut, putObjectStream, type ObjectInfo } from "./s3.js";

/** How often a single PUT from a path is sent (reopening the file) when the connection or the server fails. */
const SINGLE_PUT_ATTEMPTS = 3;

/** Whether a failed transfer may work when sent again: no answer, or a server error (5xx). */
function retryable(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause;
  if (cause === undefined || cause instanceof MediaError) return false;
  const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/** Where a File's platform comes from and what can abort its transfers. */
export interface MediaCallOptions {
  /** The client whose platform (URL, token, S3 endpoint) to use. Default: see `platformFor`. */
  client?: ArkitektClient;
  /** Aborts the transfer. Default inside a task: the task's signal. */
  signal?: AbortSignal;
}

/** What a local File is made with. */
export interface FileInit {
  /** The file name (the store's `originalFileName`). */
  name?: string;
  /** The MIME type; default from the name's extension, else none. */
  contentType?: string;
  /** The size in bytes, when known (streams): sent as the upload's `fileSize` (its size limit). */
  size?: number;
}

/** Anything `File.fromStream` and `upload()` take as a stream. */
export type StreamSource = Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

type Source =
  | { kind: "path"; path: string }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "stream"; stream: Readable; used: boolean };

/** A few common types; anything else has no content type unless given. */
const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  tif: "image/tiff",
  tiff: "image/tiff",
  webp: "image/webp",
  svg: "image/svg+xml",
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  npy: "application/octet-stream",
  bin: "application/octet-stream",
};

function typeOfName(name: string): string | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext ? TYPES[ext] : undefined;
}

/** The platform a File uses: the option, the client making the current call, the task's, the default. */
export function platformFor(client?: ArkitektClient): MediaPlatform {
  if (client) return client.media();
  const ambient = ambientMediaClient();
  if (ambient) return ambient.media();
  const ctx = currentContext();
  if (ctx) {
    let taskClient: ArkitektClient | undefined;
    try {
      taskClient = ctx.client;
    } catch {
      taskClient = undefined; // an agent without a platform client: fall back to the default one
    }
    if (taskClient) return taskClient.media();
  }
  return defaultClient().media();
}

function toReadable(source: StreamSource): Readable {
  if (source instanceof Readable) return source;
  if (typeof (source as ReadableStream).getReader === "function") return Readable.fromWeb(source as import("node:stream/web").ReadableStream<Uint8Array>);
  return Readable.from(source as AsyncIterable<Uint8Array>);
}

function toBytes(value: Uint8Array | ArrayBuffer | string): Uint8Array {
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return value;
}

/** Grants are renewed when 80% of their life has passed. */
function fresh(grant: MediaGrant | undefined): grant is MediaGrant {
  return grant !== undefined && Date.now() - grant.receivedAt < grant.expiresIn * 800;
}

/** Stops a stream that brings more bytes than the grant allows (the server enforces it too). */
function limit(maxBytes: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(new MediaError("TRANSFER", `${what} is larger than the ${maxBytes} bytes its upload grant allows`, "pass the right size (File.fromStream's size), or ask the platform's operator for a larger maxMediaBytes"));
      } else callback(null, chunk);
    },
  });
}

/** Set by File's static block (it reaches the private constructor). */
let undescribed: (id: string, platform: MediaPlatform) => File;

export class File {
  /** The structure identifier of File ports. A Python caller registers a structure with this identifier to read them. */
  static readonly identifier = "@arkitekt/file";

  #id: string | undefined;
  #name: string;
  #contentType: string | undefined;
  #size: number | undefined;
  #source: Source | undefined;
  #platform: MediaPlatform | undefined;
  #grant: MediaGrant | undefined;
  #uploading: Promise<string> | undefined;
  /** Whether size, type and name come from the store (a HEAD or a GET), or from the local source. */
  #described = false;

  private constructor(init: { id?: string; name: string; contentType?: string | undefined; size?: number | undefined; source?: Source; platform?: MediaPlatform }) {
    this.#id = init.id;
    this.#name = init.name;
    this.#contentType = init.contentType;
    this.#size = init.size;
    this.#source = init.source;
    this.#platform = init.platform;
  }

  /** A local file on disk, uploaded by `shrink()` (or `upload()`). */
  static fromPath(path: string, init: FileInit = {}): File {
    const name = init.name ?? basename(path);
    return new File({ name, contentType: init.contentType ?? typeOfName(name), size: init.size, source: { kind: "path", path: resolve(path) } });
  }

  /** A stream, uploaded by `shrink()` as it is read (once: a stream cannot be read twice). */
  static fromStream(stream: StreamSource, init: FileInit & { name: string }): File {
    return new File({
      name: init.name,
      contentType: init.contentType ?? typeOfName(init.name),
      size: init.size,
      source: { kind: "stream", stream: toReadable(stream), used: false },
    });
  }

  /** Bytes (or a string, as UTF-8) in memory, uploaded by `shrink()`. */
  static fromBytes(bytes: Uint8Array | ArrayBuffer | string, init: FileInit = {}): File {
    const data = toBytes(bytes);
    const name = init.name ?? (typeof bytes === "string" ? "text.txt" : "data.bin");
    return new File({
      name,
      contentType: init.contentType ?? typeOfName(name) ?? (typeof bytes === "string" ? "text/plain; charset=utf-8" : undefined),
      size: data.byteLength,
      source: { kind: "bytes", bytes: data },
    });
  }

  /**
   * The File of a store id (what a File port carries), described by a HEAD of its object: its
   * bytes are read only when asked.
   */
  static async fromId(id: string, options: MediaCallOptions = {}): Promise<File> {
    checkId(id);
    const platform = platformFor(options.client);
    const file = new File({ id, name: id, platform });
    const grant = await file.#readGrant();
    const endpoint = (await platform.s3()).endpoint;
    file.#describe(await headObject(grant, endpoint), grant);
    return file;
  }

  static {
    // For download(id): a stored File described by its GET's headers instead of a HEAD.
    undescribed = (id, platform) => new File({ id, name: id, platform });
  }

  /** The generated adapters call this with each incoming reference (the store id). */
  static expand(ref: string): Promise<File> {
    return File.fromId(ref);
  }

  /** The media store id; throws for a local file not uploaded yet (see `uploaded`). */
  get id(): string {
    if (this.#id === undefined) {
      throw new MediaError("USAGE", `the file "${this.#name}" has no id yet: it is uploaded when returned from a task, or by \`await file.upload()\``);
    }
    return this.#id;
  }

  /** Whether the file is in the media store (it has an id). */
  get uploaded(): boolean {
    return this.#id !== undefined;
  }

  /** The file's name (its original file name in the store). */
  get name(): string {
    return this.#name;
  }

  /** Its MIME type, when known. */
  get contentType(): string | undefined {
    return this.#contentType;
  }

  /** Its size in bytes, when known (always for stored files and for paths and bytes after upload). */
  get size(): number | undefined {
    return this.#size;
  }

  /** Its bytes as a Node stream (read from the store, or the local source). */
  async stream(options: MediaCallOptions = {}): Promise<Readable> {
    if (this.#source) return this.#sourceStream();
    if (this.#id === undefined) throw this.#streamUsed();
    const platform = this.#platformOr(options.client);
    const grant = await this.#readGrant(options.client);
    const endpoint = (await platform.s3()).endpoint;
    const signal = options.signal ?? currentContext()?.signal;
    const { body, info } = await getObjectStream(grant, endpoint, signal);
    if (!this.#described) this.#describe(info, grant);
    const { progressAboveBytes } = mediaOptions();
    const counter = new ProgressCounter("downloaded", this.#name, this.#size, progressAboveBytes);
    pipeline(body, counter).catch(() => undefined); // an error destroys `counter`, which the reader sees
    return counter;
  }

  /** The bytes of the local source (a path is opened afresh each time; a stream only once). */
  async #sourceStream(): Promise<Readable> {
    const source = this.#source;
    if (source?.kind === "path") return createReadStream(source.path);
    if (source?.kind === "bytes") return Readable.from([Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength)]);
    if (source?.kind === "stream" && !source.used) {
      source.used = true;
      this.#source = undefined;
      return source.stream;
    }
    throw this.#streamUsed();
  }

  /** Takes size, type and name from the object's headers (a HEAD's or a GET's). */
  #describe(info: ObjectInfo, grant: MediaGrant): void {
    this.#size = info.size;
    this.#contentType = info.contentType;
    this.#name = info.name ?? (grant.key.split("/").at(-1) || this.id);
    this.#described = true;
  }

  /** All its bytes (held in memory: for small files; use `stream()` or `path()` for large ones). */
  async bytes(options: MediaCallOptions = {}): Promise<Uint8Array> {
    const source = this.#source;
    if (source?.kind === "bytes") return source.bytes;
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(options)) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }

  /** Its content as UTF-8 text. */
  async text(options: MediaCallOptions = {}): Promise<string> {
    return new TextDecoder().decode(await this.bytes(options));
  }

  /**
   * A path on disk holding its bytes: a local file's own path, else a file in the media cache
   * (`.arkitekt/cache/media/`, bounded by `cacheMaxBytes`; least recently used files are evicted,
   * so read it soon or copy it with `download()`).
   */
  async path(options: MediaCallOptions = {}): Promise<string> {
    const source = this.#source;
    if (source?.kind === "path") return source.path;
    const cache = await mediaCache(mediaOptions());
    const fill = async (temp: string): Promise<void> => {
      await pipeline(await this.stream(options), createWriteStream(temp));
    };
    if (source !== undefined) {
      // A local stream or bytes: spilled into the cache folder, then read from there.
      const path = await cache.path(`local-${randomUUID()}`, this.#size, fill);
      this.#source = { kind: "path", path };
      return path;
    }
    return cache.path(this.id, this.#size, fill);
  }

  /** Puts a local file into the media store (once) and returns this File, now with an id. */
  async upload(options: MediaCallOptions = {}): Promise<File> {
    if (this.#id !== undefined) return this;
    this.#uploading ??= this.#upload(options).catch((error: unknown) => {
      this.#uploading = undefined;
      throw error;
    });
    await this.#uploading;
    return this;
  }

  /** The reference on the wire: the store id (a local file is uploaded first). */
  async shrink(): Promise<string> {
    await this.upload();
    return this.id;
  }

  /** `{ id, name, size, contentType }` (id null before upload). */
  toJSON(): { id: string | null; name: string; size: number | null; contentType: string | null } {
    return { id: this.#id ?? null, name: this.#name, size: this.#size ?? null, contentType: this.#contentType ?? null };
  }

  async #upload(options: MediaCallOptions): Promise<string> {
    const source = this.#source;
    if (!source) throw this.#streamUsed();
    if (source.kind === "path" && this.#size === undefined) {
      const info = await stat(source.path).catch((error: unknown) => {
        throw new MediaError("USAGE", `cannot upload ${source.path}: ${(error as Error).message}`, "File.fromPath needs a readable file", { cause: error });
      });
      if (!info.isFile()) throw new MediaError("USAGE", `cannot upload ${source.path}: it is not a file`);
      this.#size = info.size;
    }
    if (source.kind === "stream" && source.used) throw this.#streamUsed();
    const platform = platformFor(options.client);
    const grant = await platform.requestUpload({
      originalFileName: this.#name,
      ...(this.#size !== undefined ? { fileSize: this.#size } : {}),
      ...(this.#contentType !== undefined ? { contentType: this.#contentType } : {}),
    });
    let endpoint: string;
    try {
      endpoint = (await platform.s3()).endpoint;
    } catch (error) {
      await platform.finishUpload(grant.store, false).catch(() => undefined);
      throw error;
    }
    const { partSize, uploadConcurrency, progressAboveBytes, singlePutMaxBytes } = mediaOptions();
    const signal = options.signal ?? currentContext()?.signal;
    // A single PUT cannot resume: one from a path is sent again from a reopened file when the
    // connection or the server failed; a caller's stream cannot be read twice, so it fails.
    const single = isSinglePut(this.#size, singlePutMaxBytes);
    const attempts = source.kind === "path" && single ? SINGLE_PUT_ATTEMPTS : 1;
    let counter: ProgressCounter | undefined;
    for (let attempt = 1; ; attempt++) {
      const input = await this.#sourceStream();
      counter = new ProgressCounter("uploaded", this.#name, this.#size, progressAboveBytes);
      // An error anywhere destroys `counter` with it, which fails the upload that reads it. A single
      // PUT checks the exact size itself (and the grant's maxBytes is that size).
      const stages = single ? pipeline(input, counter) : pipeline(input, limit(grant.maxBytes, `the file "${this.#name}"`), counter);
      stages.catch(() => undefined);
      try {
        await putObjectStream(grant, endpoint, counter, {
          name: this.#name,
          contentType: this.#contentType,
          size: this.#size,
          singlePutMaxBytes,
          partSize,
          queueSize: uploadConcurrency,
          signal,
        });
        break;
      } catch (error) {
        input.destroy();
        if (attempt < attempts && !signal?.aborted && retryable(error)) continue;
        await platform.finishUpload(grant.store, false).catch(() => undefined);
        throw error;
      }
    }
    await platform.finishUpload(grant.store, true);
    this.#size ??= counter.bytes;
    this.#id = grant.store;
    this.#platform = platform;
    return grant.store;
  }

  #platformOr(client?: ArkitektClient): MediaPlatform {
    if (client) return client.media();
    this.#platform ??= platformFor();
    return this.#platform;
  }

  /** A read grant; the File's own platform's (also when passed as `client`) is cached until 80% of its life. */
  async #readGrant(client?: ArkitektClient): Promise<MediaGrant> {
    const platform = this.#platformOr(client);
    const own = platform === this.#platform;
    if (own && fresh(this.#grant)) return this.#grant;
    const grant = await platform.requestAccess(this.id);
    if (own) this.#grant = grant;
    return grant;
  }

  #streamUsed(): MediaError {
    return new MediaError(
      "USAGE",
      `the stream of the file "${this.#name}" was already read`,
      "a stream can be read once: use File.fromPath or File.fromBytes for a file read more than once",
    );
  }
}

function checkId(id: unknown): void {
  if (typeof id !== "string" || id.trim() === "") {
    throw new MediaError("USAGE", `a File reference is a media store id (a non-empty string), got ${JSON.stringify(id) ?? String(id)}`);
  }
}

/** Anything `upload()` takes: a path, bytes, or a stream. */
export type UploadSource = string | URL | Uint8Array | ArrayBuffer | StreamSource;

/**
 * Puts `source` into the media store and returns its File (with its id): a path (string or file
 * URL), bytes, or a stream (give `name`, and `size` when known).
 */
export async function upload(source: UploadSource, options: FileInit & MediaCallOptions = {}): Promise<File> {
  const { client, signal, ...init } = options;
  let file: File;
  if (typeof source === "string") file = File.fromPath(source, init);
  else if (source instanceof URL) {
    const { fileURLToPath } = await import("node:url");
    file = File.fromPath(fileURLToPath(source), init);
  } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) file = File.fromBytes(source, init);
  else file = File.fromStream(source, { ...init, name: init.name ?? "upload.bin" });
  return file.upload({ ...(client ? { client } : {}), ...(signal ? { signal } : {}) });
}

/**
 * Writes a File (or the File of a store id) to `dest` and returns the path written: `dest` itself,
 * or `dest/<file name>` when `dest` is an existing folder (or ends with a slash). The bytes stream
 * to a temporary file next to it, renamed when complete.
 */
export async function download(file: File | string, dest: string, options: MediaCallOptions = {}): Promise<string> {
  if (typeof file === "string") checkId(file);
  // An id is read with one grant and one GET: its name (for a folder) comes from the GET's headers.
  const f = typeof file === "string" ? undescribed(file, platformFor(options.client)) : file;
  const body = await f.stream(options);
  let target = resolve(dest);
  const temp = { path: "" };
  try {
    const isDir = /[\\/]$/.test(dest) || (await stat(target).then((s) => s.isDirectory(), () => false));
    if (isDir) target = join(target, safeFileName(f.name, "file"));
    await mkdir(dirname(target), { recursive: true });
    // named apart from the target, so a name near the file system's limit still has room
    temp.path = join(dirname(target), `.${randomUUID()}.part`);
    await pipeline(body, createWriteStream(temp.path));
    await rename(temp.path, target);
  } catch (error) {
    body.destroy();
    if (temp.path) await rm(temp.path, { force: true });
    throw error;
  }
  return target;
}

