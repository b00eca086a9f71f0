/**
 * The media store of the embedded platform (issue 14): stores, their grants and the checks of the
 * store rules. `requestMediaUpload` makes a pending store and an upload grant (temporary S3
 * credentials for its one key); the object arrives through the in-process S3 endpoint (s3.ts);
 * `finishMediaUpload` confirms or discards it; `requestMediaAccess` hands out read credentials. A
 * pending store used before `finishMediaUpload` (as an assign value, or for access) is checked on
 * first use (its object was received and fits the grant's limit) and then finished, as the released
 * Python client never calls `finishMediaUpload`. Everything is scoped by organisation: another
 * organisation's store id is "not found".
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { statSync } from "node:fs";
import type { Port } from "../../definition/model.js";
import type { Identity } from "../auth.js";
import type { CompiledOptions } from "../options.js";
import { PlatformError, type RefusedPort } from "../platform.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../../shared/logger.js";
import { ObjectFiles } from "./objects.js";
import { MediaRecords, type GrantAction, type MediaGrantRow, type MediaStoreRow } from "./records.js";
import { presignUrl } from "./sigv4.js";

/** The identifier of the built-in File structure; its wire value is a MediaStore id. */
export const FILE_IDENTIFIER = "@arkitekt/file";
/** The region grants name (verification accepts whatever region a client signed with). */
export const MEDIA_REGION = "us-east-1";
/** GraphQL `Int` is 32-bit: `maxBytes` above it is reported as this. */
const GRAPHQL_INT_MAX = 2_147_483_647;

/** What `GET /.well-known/s3` and `dev-token.json`'s `s3` say. */
export interface S3Discovery {
  endpoint: string;
  region: string;
  bucket: string;
}

export interface UploadGrantOut {
  status: string;
  accessKey: string;
  secretKey: string;
  sessionToken: string;
  region: string;
  bucket: string;
  key: string;
  path: string;
  expiresIn: number;
  store: string;
  maxBytes: number;
  originalFileName: string | null;
  uploadFileName: string;
  uploadContentType: string | null;
  uploadFormField: string;
}

export type AccessGrantOut = Pick<UploadGrantOut, "status" | "accessKey" | "secretKey" | "sessionToken" | "region" | "bucket" | "key" | "path" | "expiresIn" | "store">;

/** A content type the store keeps: printable ASCII, at most 255 characters (a MIME type, not arbitrary text). */
export const isStorableContentType = (text: string): boolean => text.length <= 255 && /^[\x21-\x7e][\x20-\x7e]*$/.test(text);

export const storePath = (row: Pick<MediaStoreRow, "bucket" | "key">): string => `s3://${row.bucket}/${row.key}`;

export class MediaService {
  readonly records: MediaRecords;
  readonly files: ObjectFiles;

  constructor(
    readonly store: Store,
    readonly options: CompiledOptions,
    readonly log: Logger,
  ) {
    this.records = new MediaRecords(store);
    this.files = new ObjectFiles(options.dataDir);
  }

  discovery(baseUrl: string): S3Discovery {
    return { endpoint: baseUrl, region: MEDIA_REGION, bucket: this.options.mediaBucket };
  }

  // stores -------------------------------------------------------------------------------------

  /** The store `id` of the viewer's organisation; NOT_FOUND otherwise (also for another organisation's). */
  storeInOrg(identity: Identity, id: unknown): MediaStoreRow {
    const row = typeof id === "string" ? this.records.find(id) : undefined;
    if (!row || row.org !== identity.org || row.state === "discarded") {
      throw new PlatformError(`Media store ${JSON.stringify(typeof id === "string" ? id.slice(0, 80) : id)} not found in organisation "${identity.org}"`, "NOT_FOUND");
    }
    return row;
  }

  /**
   * Why a pending store cannot be finished (no object received, or one over its limit), or null
   * when it can. Reads the object's size on disk, not only the row.
   */
  private unfinishable(row: MediaStoreRow): string | null {
    let size: number | null = null;
    try {
      const s = statSync(this.files.objectPath(row.key));
      size = s.isFile() ? s.size : null;
    } catch {
      size = null;
    }
    if (size === null || row.size === null) return `its object was never uploaded (put it to ${storePath(row)} with the upload grant's credentials first)`;
    if (size > row.max_bytes) return `its object is ${size} bytes, over the grant's limit of ${row.max_bytes}`;
    return null;
  }

  /** A finished store: a pending one is checked and finished now (first use), else refused with `code`. */
  ensureFinished(row: MediaStoreRow, code = "MEDIA_NOT_UPLOADED"): MediaStoreRow {
    if (row.state === "finished") return row;
    if (row.state === "discarded") throw new PlatformError(`Media store ${row.id} was discarded`, "NOT_FOUND");
    const why = this.unfinishable(row);
    if (why) throw new PlatformError(`Media store ${row.id} cannot be used: ${why}`, code);
    this.records.setState(row.id, "finished", Date.now());
    return this.records.find(row.id)!;
  }

  requestUpload(identity: Identity, input: { originalFileName?: string | null; fileSize?: number | null; contentType?: string | null }): UploadGrantOut {
    const name = input.originalFileName ?? null;
    if (name !== null && (name.length > 1024 || /[\u0000-\u001f]/.test(name))) {
      throw new PlatformError("originalFileName must be at most 1024 characters without control characters", "BAD_USER_INPUT");
    }
    const contentType = input.contentType ?? null;
    if (contentType !== null && !isStorableContentType(contentType)) {
      throw new PlatformError("contentType must be a MIME type (printable ASCII, at most 255 characters)", "BAD_USER_INPUT");
    }
    const limit = this.options.maxMediaBytes;
    if (input.fileSize !== null && input.fileSize !== undefined) {
      if (!Number.isInteger(input.fileSize) || input.fileSize < 0) throw new PlatformError(`fileSize must be a non-negative integer, got ${input.fileSize}`, "BAD_USER_INPUT");
      if (input.fileSize > limit) {
        throw new PlatformError(`fileSize ${input.fileSize} is over the server's limit of ${limit} bytes per object (server option maxMediaBytes)`, "MEDIA_TOO_LARGE");
      }
    }
    const now = Date.now();
    const row = this.records.insert({
      id: `ms_${randomBytes(16).toString("base64url")}`,
      org: identity.org,
      key: randomBytes(16).toString("hex"),
      bucket: this.options.mediaBucket,
      original_file_name: name,
      content_type: contentType,
      max_bytes: input.fileSize ?? limit,
      created_by: identity.key,
      created_at: now,
    });
    const grant = this.issueGrant(row, "upload", now);
    return {
      ...this.grantOut(row, grant, now),
      store: row.id,
      maxBytes: Math.min(row.max_bytes, GRAPHQL_INT_MAX),
      originalFileName: name,
      uploadFileName: name ?? row.key,
      uploadContentType: contentType,
      uploadFormField: "file",
    };
  }

  /** `finishMediaUpload`: `valid` finishes (checked like a first use), `!valid` discards the store and deletes its object. */
  async finish(identity: Identity, input: { storeId: string; valid?: boolean | null }): Promise<MediaStoreRow> {
    const row = this.storeInOrg(identity, input.storeId);
    if (input.valid === false) {
      // a task still to run (or running) was given this object: deleting it would fail that task
      if (this.records.taskReference(row.id) === "open") {
        throw new PlatformError(`Media store ${row.id} cannot be discarded: an unfinished task refers to it (discard it once that task is done)`, "MEDIA_IN_USE");
      }
      await this.discard(row);
      return { ...row, state: "discarded" };
    }
    return this.ensureFinished(row);
  }

  /** Discards a store: its grants go, its object and any multipart upload of it are deleted. */
  async discard(row: MediaStoreRow): Promise<void> {
    this.records.setState(row.id, "discarded", Date.now());
    this.records.deleteGrantsOfStore(row.id);
    await this.files.remove(row.key);
    for (const upload of await this.files.uploads()) if (upload.storeId === row.id) await this.files.removeUpload(upload.uploadId);
  }

  requestAccess(identity: Identity, storeId: unknown): AccessGrantOut {
    const row = this.ensureFinished(this.storeInOrg(identity, storeId));
    const now = Date.now();
    return { ...this.grantOut(row, this.issueGrant(row, "read", now), now), store: row.id };
  }

  /**
   * `POST /api/media/presign` (the web UI): a same-origin presigned URL, PUT for a pending store,
   * GET for a finished one (finishing a pending one whose object arrived).
   */
  async presignForBrowser(identity: Identity, body: unknown, origin: URL): Promise<{ url: string; method: "GET" | "PUT"; expiresIn: number }> {
    const b = (body ?? {}) as { storeId?: unknown; method?: unknown };
    if (typeof b.storeId !== "string" || (b.method !== "PUT" && b.method !== "GET")) {
      throw new PlatformError('send {"storeId": "<MediaStore id>", "method": "PUT" | "GET"}', "BAD_USER_INPUT");
    }
    let row = this.storeInOrg(identity, b.storeId);
    if (b.method === "PUT" && row.state !== "pending") throw new PlatformError(`Media store ${row.id} is finished: its object cannot change`, "MEDIA_FINISHED");
    if (b.method === "GET") row = this.ensureFinished(row);
    const now = Date.now();
    const grant = this.issueGrant(row, b.method === "PUT" ? "upload" : "read", now);
    const expiresIn = this.options.mediaGrantSeconds;
    const query: Record<string, string> = {};
    if (b.method === "GET" && row.original_file_name) {
      query["response-content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(row.original_file_name)}`;
    }
    const url = await presignUrl(
      origin,
      b.method,
      `/${row.bucket}/${row.key}`,
      { accessKey: grant.access_key, secretKey: grant.secret_key, sessionToken: grant.session_token },
      MEDIA_REGION,
      expiresIn,
      query,
    );
    return { url, method: b.method, expiresIn };
  }

  // grants -------------------------------------------------------------------------------------

  private issueGrant(row: MediaStoreRow, action: GrantAction, now: number): MediaGrantRow {
    const grant: MediaGrantRow = {
      // AWS-shaped: a 20-character access key id, a 40-character secret
      access_key: `AKMS${randomBytes(8).toString("hex").toUpperCase()}`,
      secret_key: randomBytes(30).toString("base64url"),
      session_token: randomBytes(32).toString("base64url"),
      store_id: row.id,
      org: row.org,
      action,
      expires_at: now + this.options.mediaGrantSeconds * 1000,
    };
    this.records.insertGrant(grant);
    return grant;
  }

  private grantOut(row: MediaStoreRow, grant: MediaGrantRow, now: number): Omit<AccessGrantOut, "store"> {
    return {
      status: "granted",
      accessKey: grant.access_key,
      secretKey: grant.secret_key,
      sessionToken: grant.session_token,
      region: MEDIA_REGION,
      bucket: row.bucket,
      key: row.key,
      path: storePath(row),
      expiresIn: Math.round((grant.expires_at - now) / 1000),
    };
  }

  /** Whether `token` is the grant's session token (constant time). */
  static tokenMatches(grant: MediaGrantRow, token: string | undefined): boolean {
    if (token === undefined) return false;
    const a = Buffer.from(token);
    const b = Buffer.from(grant.session_token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  // assign -------------------------------------------------------------------------------------

  /**
   * The `@arkitekt/file` values of `args` (STRUCTURE ports with that identifier, inside lists,
   * dicts, models and unions) whose store is not one of the caller's organisation that is finished
   * or can be finished now. Values that do not fit their port at all were refused before.
   */
  refusedFileArgs(identity: Identity, ports: readonly Port[], args: Record<string, unknown>): RefusedPort[] {
    const refused: RefusedPort[] = [];
    for (const { path, id } of fileValues(ports, args)) {
      try {
        this.ensureFinished(this.storeInOrg(identity, id));
      } catch (error) {
        if (!(error instanceof PlatformError)) throw error;
        refused.push({ path, message: `${FILE_IDENTIFIER}: ${error.message}` });
      }
    }
    return refused;
  }
}

/** Every `@arkitekt/file` reference in `args`, with its port path (`a`, `files[2]`, `opts.image`, `u.__value`). */
export function fileValues(ports: readonly Port[], args: Record<string, unknown>): Array<{ path: string; id: unknown }> {
  const found: Array<{ path: string; id: unknown }> = [];
  const join = (base: string, part: string | number): string => (typeof part === "number" ? `${base}[${part}]` : base === "" ? part : `${base}.${part}`);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const mentionsFile = (port: Port): boolean => (port.kind === "STRUCTURE" && port.identifier === FILE_IDENTIFIER) || (port.children ?? []).some(mentionsFile);
  const walk = (port: Port, value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    switch (port.kind) {
      case "STRUCTURE":
        if (port.identifier === FILE_IDENTIFIER && isObject(value)) found.push({ path, id: value.object });
        return;
      case "LIST":
        if (Array.isArray(value) && port.children?.[0] && mentionsFile(port.children[0])) value.forEach((item, i) => walk(port.children![0]!, item, join(path, i)));
        return;
      case "DICT":
        if (isObject(value) && port.children?.[0] && mentionsFile(port.children[0])) for (const [k, v] of Object.entries(value)) walk(port.children[0], v, join(path, k));
        return;
      case "MODEL":
        if (isObject(value)) for (const child of port.children ?? []) if (Object.hasOwn(value, child.key)) walk(child, value[child.key], join(path, child.key));
        return;
      case "UNION": {
        const child = isObject(value) && typeof value.__use === "number" ? port.children?.[value.__use] : undefined;
        if (child) walk(child, (value as Record<string, unknown>).__value, join(path, "__value"));
        return;
      }
      default:
        return;
    }
  };
  for (const port of ports) if (mentionsFile(port) && Object.hasOwn(args, port.key)) walk(port, args[port.key], port.key);
  return found;
}
