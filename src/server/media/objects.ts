/**
 * Bytes of the media store on disk, under `<dataDir>/media/`: `objects/<key>` (one file per finished
 * upload), `tmp/` (uploads in progress: written there, renamed into place once complete, so a
 * half-written object is never served and a restart keeps every complete one) and
 * `multipart/<uploadId>/` (a multipart upload's parts and its `upload.json`). Keys and upload ids
 * are checked hex before they become paths, so no request can name a file outside the folder.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, renameSync } from "node:fs";
import { readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";

export const MEDIA_DIR = "media";
const KEY_PATTERN = /^[0-9a-f]{32}$/;
const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;

export interface MultipartUpload {
  uploadId: string;
  storeId: string;
  key: string;
  contentType: string | null;
  createdAt: number;
}

export class ObjectFiles {
  readonly root: string;
  private readonly objects: string;
  private readonly tmp: string;
  private readonly multipart: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, MEDIA_DIR);
    this.objects = join(this.root, "objects");
    this.tmp = join(this.root, "tmp");
    this.multipart = join(this.root, "multipart");
    for (const dir of [this.objects, this.tmp, this.multipart]) mkdirSync(dir, { recursive: true });
  }

  static isKey(key: string): boolean {
    return KEY_PATTERN.test(key);
  }
  static isUploadId(id: string): boolean {
    return UPLOAD_ID_PATTERN.test(id);
  }

  objectPath(key: string): string {
    if (!ObjectFiles.isKey(key)) throw new Error(`not a media key: ${JSON.stringify(key)}`);
    return join(this.objects, key);
  }

  /** Size of the stored object, or null when there is none. */
  async size(key: string): Promise<number | null> {
    try {
      const s = await stat(this.objectPath(key));
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  /** A fresh temporary file path (the caller writes it, then `commit`s or `discardTemp`s it). */
  tempPath(): string {
    return join(this.tmp, randomBytes(16).toString("hex"));
  }
  tempStream(path: string): NodeJS.WritableStream & ReturnType<typeof createWriteStream> {
    return createWriteStream(path, { flags: "wx" });
  }
  /**
   * Moves a completely written temporary file into place as the object `key` (atomic on one file
   * system). Synchronous, so a caller can check the store's state in the same turn.
   */
  commitSync(tempPath: string, key: string): void {
    renameSync(tempPath, this.objectPath(key));
  }
  async discardTemp(path: string): Promise<void> {
    await rm(path, { force: true });
  }
  async remove(key: string): Promise<void> {
    await rm(this.objectPath(key), { force: true });
  }
  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.objectPath(key), range ? { start: range.start, end: range.end } : {});
  }
  /** Removes temporary files left by a previous run (an upload cut off by a stop). */
  async clearTemp(): Promise<void> {
    for (const name of await readdir(this.tmp).catch(() => [] as string[])) await rm(join(this.tmp, name), { force: true });
  }

  // multipart --------------------------------------------------------------------------------------

  private uploadDir(uploadId: string): string {
    if (!ObjectFiles.isUploadId(uploadId)) throw new Error(`not an upload id: ${JSON.stringify(uploadId)}`);
    return join(this.multipart, uploadId);
  }
  async createUpload(storeId: string, key: string, contentType: string | null): Promise<MultipartUpload> {
    const upload: MultipartUpload = { uploadId: randomBytes(16).toString("hex"), storeId, key, contentType, createdAt: Date.now() };
    const dir = this.uploadDir(upload.uploadId);
    mkdirSync(dir, { recursive: true });
    await writeFile(join(dir, "upload.json"), JSON.stringify(upload));
    return upload;
  }
  async upload(uploadId: string): Promise<MultipartUpload | null> {
    if (!ObjectFiles.isUploadId(uploadId)) return null;
    try {
      return JSON.parse(await readFile(join(this.uploadDir(uploadId), "upload.json"), "utf8")) as MultipartUpload;
    } catch {
      return null;
    }
  }
  /**
   * Every multipart upload in progress. `removeBroken` (the offline garbage collector only) deletes
   * folders without a readable upload.json: on a live server such a folder may be an upload being
   * created right now (made, its upload.json not written yet).
   */
  async uploads(options: { removeBroken?: boolean } = {}): Promise<MultipartUpload[]> {
    const found: MultipartUpload[] = [];
    for (const name of await readdir(this.multipart).catch(() => [] as string[])) {
      const upload = await this.upload(name);
      if (upload) found.push(upload);
      else if (options.removeBroken && ObjectFiles.isUploadId(name)) await rm(join(this.multipart, name), { recursive: true, force: true });
    }
    return found;
  }
  partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadDir(uploadId), `part-${partNumber}`);
  }
  /** Sizes of the parts written so far, by part number. */
  async partSizes(uploadId: string): Promise<Map<number, number>> {
    const sizes = new Map<number, number>();
    const dir = this.uploadDir(uploadId);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const match = /^part-(\d+)$/.exec(name);
      if (!match) continue;
      const s = await stat(join(dir, name)).catch(() => null);
      if (s?.isFile()) sizes.set(Number(match[1]), s.size);
    }
    return sizes;
  }
  async removeUpload(uploadId: string): Promise<void> {
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }
}
