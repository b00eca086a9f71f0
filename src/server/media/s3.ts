/**
 * The in-process S3-compatible endpoint: path-style `{base}/{bucket}/{key}` at the server's root.
 * Every request is SigV4-signed with a grant's temporary credentials (sigv4.ts) and scoped to that
 * grant's one key, organisation, action and expiry. Served: PutObject, CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload, AbortMultipartUpload (upload grants); GetObject with Range
 * and HeadObject (read grants). Bodies stream to a temporary file (counted, hashed and checked on
 * the way) and are renamed into place once complete; nothing holds a whole object in memory.
 * Payloads: `UNSIGNED-PAYLOAD`, a hex SHA-256 (verified while streaming) and
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (aws-chunked, decoded; its checksum trailer verified).
 */
import { createHash, randomBytes, type Hash as CryptoHash } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { XMLParser } from "fast-xml-parser";
import { AwsChunkedDecoder } from "./aws-chunked.js";
import type { MediaGrantRow, MediaStoreRow } from "./records.js";
import { S3Error, errorXml, resultXml } from "./s3-errors.js";
import { MediaService, isStorableContentType } from "./service.js";
import { MAX_CLOCK_SKEW_MS, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD, parseQuery, queryValue, readSignature, verifySignature, type QueryPairs } from "./sigv4.js";

/** Largest CompleteMultipartUpload body read (10,000 parts of ~100 bytes fit). */
const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;
/** S3's part numbers. */
const MAX_PART_NUMBER = 10_000;
/** Multipart uploads one media store may have in progress at once (an SDK uses one; a retry may leave another). */
export const MAX_UPLOADS_PER_STORE = 16;
/** After refusing a body, at most this much more of it is read (and dropped) so the client sees the answer; then the socket is closed. */
const MAX_DISCARD_BYTES = 8 * 1024 * 1024;

type Operation = "PutObject" | "UploadPart" | "CreateMultipartUpload" | "CompleteMultipartUpload" | "AbortMultipartUpload" | "GetObject" | "HeadObject";
const UPLOAD_OPERATIONS = new Set<Operation>(["PutObject", "UploadPart", "CreateMultipartUpload", "CompleteMultipartUpload", "AbortMultipartUpload"]);

interface S3Request {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: QueryPairs;
  bucket: string;
  key: string;
  requestId: string;
  /** The client waits for `100 Continue` before sending the body. */
  expectContinue: boolean;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

/** The request's Content-Type when the store may keep it (it is served back and shown): else none. */
const sentContentType = (req: IncomingMessage): string | null => {
  const value = header(req, "content-type")?.trim();
  return value !== undefined && isStorableContentType(value) ? value : null;
};

/** Sub-resources of an object that are other S3 operations (ACLs, tags, versions ...): not served. */
const OTHER_SUBRESOURCES = new Set(["acl", "tagging", "attributes", "torrent", "legal-hold", "retention", "restore", "select", "versionId", "uploads-list"]);

function operationOf(method: string, query: QueryPairs): Operation {
  const has = (name: string) => query.some(([k]) => k === name);
  const other = query.find(([k]) => OTHER_SUBRESOURCES.has(k));
  if (other) throw new S3Error("NotImplemented", `the S3 sub-resource "${other[0]}" is not served: the media store serves PutObject, multipart uploads, GetObject and HeadObject`);
  switch (method) {
    case "PUT":
      return has("uploadId") || has("partNumber") ? "UploadPart" : "PutObject";
    case "POST":
      if (has("uploads")) return "CreateMultipartUpload";
      if (has("uploadId")) return "CompleteMultipartUpload";
      break;
    case "DELETE":
      if (has("uploadId")) return "AbortMultipartUpload";
      throw new S3Error("AccessDenied", "objects of the media store are removed by the server (finishMediaUpload with valid: false, or arkitekt-next server --gc), not by DeleteObject");
    case "GET":
      if (has("uploadId")) break;
      return "GetObject";
    case "HEAD":
      return "HeadObject";
    default:
      throw new S3Error("MethodNotAllowed", `${method} is not an S3 method this server serves`);
  }
  throw new S3Error("NotImplemented", `this S3 operation (${method} ${query.map(([k]) => k).join("&")}) is not served: the media store serves PutObject, multipart uploads, GetObject and HeadObject`);
}

/** Counts, hashes and limits the bytes flowing through; `check` runs the checks that need the whole body. */
class Meter extends Transform {
  bytes = 0;
  private readonly md5 = createHash("md5");
  private readonly sha256: CryptoHash | null;
  private readonly sha1: CryptoHash | null;
  private crc: number | null;

  constructor(
    private readonly limit: number,
    private readonly limitMessage: string,
    want: { sha256: boolean; sha1: boolean; crc32: boolean },
    /** The store's bytes in flight: `add` counts each chunk; `others` is what other requests of the store are receiving now. */
    private readonly shared: { add: (n: number) => void; others: () => number },
  ) {
    super();
    this.sha256 = want.sha256 ? createHash("sha256") : null;
    this.sha1 = want.sha1 ? createHash("sha1") : null;
    this.crc = want.crc32 ? 0 : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.shared.add(chunk.length);
    if (this.bytes + this.shared.others() > this.limit) {
      callback(new S3Error("EntityTooLarge", this.limitMessage));
      return;
    }
    this.md5.update(chunk);
    this.sha256?.update(chunk);
    this.sha1?.update(chunk);
    if (this.crc !== null) this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  private digests: { md5: string; sha256: Buffer | null; sha1: Buffer | null } | null = null;
  /** The digests of everything that passed (computed once, when the body ended). */
  private done(): { md5: string; sha256: Buffer | null; sha1: Buffer | null } {
    this.digests ??= { md5: this.md5.digest("hex"), sha256: this.sha256?.digest() ?? null, sha1: this.sha1?.digest() ?? null };
    return this.digests;
  }
  md5Hex(): string {
    return this.done().md5;
  }
  sha256Hex(): string | null {
    return this.done().sha256?.toString("hex") ?? null;
  }
  /** A checksum as S3 sends it (base64 of the digest), for an algorithm this meter computed. */
  checksum(algorithm: string): string | null {
    if (algorithm === "sha256") return this.done().sha256?.toString("base64") ?? null;
    if (algorithm === "sha1") return this.done().sha1?.toString("base64") ?? null;
    if (algorithm === "crc32" && this.crc !== null) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(this.crc >>> 0);
      return b.toString("base64");
    }
    return null;
  }
}

const CHECKSUM_ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const;

export class S3Endpoint {
  private readonly xml = new XMLParser({ isArray: (name) => name === "Part", parseTagValue: false, processEntities: true });

  /**
   * Bytes of request bodies being received now, per media store (its PutObject and UploadPart
   * requests in flight): they count against the store's limit together, so parallel requests
   * cannot each take the whole of it.
   */
  private readonly receiving = new Map<string, number>();

  constructor(private readonly media: MediaService) {}

  /** Serves one request whose first path segment is the media bucket. */
  async handle(req: IncomingMessage, res: ServerResponse, expectContinue = false): Promise<void> {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const [, bucket = "", ...rest] = path.split("/");
    let key = "";
    const request: S3Request = { req, res, path, query: [], bucket, key, requestId, expectContinue };
    try {
      try {
        key = decodeURIComponent(rest.join("/"));
      } catch {
        throw new S3Error("InvalidArgument", "the object key is not valid percent-encoding");
      }
      request.key = key;
      request.query = parseQuery(q === -1 ? "" : raw.slice(q + 1));
      await this.serve(request);
    } catch (error) {
      this.fail(request, error);
    }
  }

  private fail(r: S3Request, error: unknown): void {
    const s3 = error instanceof S3Error ? error : null;
    if (!s3 && hungUp(r.res, error)) {
      // the client left before the answer was complete (a reader that stopped once it had the bytes): nothing failed here
      this.media.log.debug(`S3 ${r.req.method} ${r.path}: the client closed the connection (${(error as NodeJS.ErrnoException).code ?? "closed"})`);
      r.res.destroy();
      return;
    }
    if (!s3) this.media.log.error(`S3 ${r.req.method} ${r.path} failed: ${(error as Error)?.stack ?? String(error)}`);
    const e = s3 ?? new S3Error("InternalError", "the server failed on this request; see its log");
    const { req, res } = r;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const bodyPending = !req.complete;
    const body = req.method === "HEAD" ? undefined : errorXml(e, r.path, r.requestId);
    res.writeHead(e.status, {
      "content-type": "application/xml",
      "x-amz-request-id": r.requestId,
      ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}),
      ...(bodyPending ? { connection: "close" } : {}),
    });
    res.end(body);
    if (bodyPending && !r.expectContinue) {
      // read (and drop) a little more of the refused body so the client reads the answer rather than a reset
      let dropped = 0;
      req.unpipe();
      req.on("data", (chunk: Buffer) => {
        dropped += chunk.length;
        if (dropped > MAX_DISCARD_BYTES) req.destroy();
      });
      req.resume();
    } else if (bodyPending) {
      req.resume();
    }
  }

  private async serve(r: S3Request): Promise<void> {
    const { req } = r;
    const method = req.method ?? "GET";
    if (r.key === "") throw new S3Error("NotImplemented", `bucket operations are not served: address an object, ${"/"}${r.bucket}/<key> (the key of your grant)`);
    const operation = operationOf(method, r.query);
    const { grant, row } = await this.authorize(r, operation);
    switch (operation) {
      case "PutObject":
        return this.putObject(r, row);
      case "UploadPart":
        return this.uploadPart(r, row);
      case "CreateMultipartUpload":
        return this.createMultipart(r, row);
      case "CompleteMultipartUpload":
        return this.completeMultipart(r, row);
      case "AbortMultipartUpload":
        return this.abortMultipart(r, row);
      case "GetObject":
      case "HeadObject":
        return this.getObject(r, row, grant, operation === "HeadObject");
    }
  }

  /** Signature, session token, expiry, then the grant's scope: key, organisation, action and the store's state. */
  private async authorize(r: S3Request, operation: Operation): Promise<{ grant: MediaGrantRow; row: MediaStoreRow }> {
    const signed = readSignature(r.req.headers, r.query);
    if (!signed) throw new S3Error("AccessDenied", "anonymous requests are not served: sign with the credentials of a media grant (requestMediaUpload or requestMediaAccess)");
    const grant = this.media.records.grant(signed.accessKey);
    if (!grant) throw new S3Error("InvalidAccessKeyId", "the access key is not one of a media grant of this server (grants expire: request a new one)");
    await verifySignature({ method: r.req.method ?? "GET", path: r.path, query: r.query, headers: r.req.headers }, signed, grant.secret_key);
    if (!MediaService.tokenMatches(grant, signed.sessionToken)) {
      throw new S3Error("InvalidToken", "the session token is not the grant's: send the grant's sessionToken (x-amz-security-token)");
    }
    const now = Date.now();
    if (grant.expires_at <= now) throw new S3Error("ExpiredToken", "the media grant has expired: request a new one (requestMediaUpload or requestMediaAccess)");
    if (signed.presigned) {
      if (signed.date.getTime() + signed.expiresIn! * 1000 <= now) throw new S3Error("AccessDenied", "Request has expired: presign the URL again");
      if (signed.date.getTime() - now > MAX_CLOCK_SKEW_MS) throw new S3Error("AccessDenied", "Request is not valid yet (X-Amz-Date is in the future)");
    } else if (Math.abs(signed.date.getTime() - now) > MAX_CLOCK_SKEW_MS) {
      throw new S3Error("RequestTimeTooSkewed", "the request's x-amz-date is more than 15 minutes from the server's clock: fix the client's clock");
    }
    const row = this.media.records.find(grant.store_id);
    if (!row || row.org !== grant.org || row.state === "discarded") throw new S3Error("NoSuchKey", "the grant's media store no longer exists (it was discarded or collected)");
    if (r.bucket !== row.bucket || r.key !== row.key) {
      throw new S3Error("AccessDenied", `this grant is for ${row.bucket}/${row.key} only: request a grant for the object you want`);
    }
    const uploading = UPLOAD_OPERATIONS.has(operation);
    if (uploading !== (grant.action === "upload")) {
      throw new S3Error("AccessDenied", grant.action === "upload" ? `an upload grant allows uploads only, not ${operation}: call requestMediaAccess for read credentials` : `a read grant allows GetObject and HeadObject only, not ${operation}`);
    }
    if (uploading && row.state !== "pending") throw new S3Error("AccessDenied", `media store ${row.id} is finished: its object cannot change (upload a new one)`);
    if (!uploading && row.state !== "finished") throw new S3Error("NoSuchKey", `media store ${row.id} has no finished object`);
    return { grant, row };
  }

  // uploads ----------------------------------------------------------------------------------------

  /**
   * Streams the request body to `target` within `limit` bytes: decodes aws-chunked, verifies a
   * signed SHA-256, a Content-MD5 and a flexible checksum (header or trailer). Returns the meter.
   */
  private async receive(r: S3Request, storeId: string, target: string, limit: number, limitMessage: string): Promise<Meter> {
    const { req } = r;
    const payload = header(req, "x-amz-content-sha256") ?? UNSIGNED_PAYLOAD;
    const signedSha = /^[0-9a-f]{64}$/.test(payload) ? payload : null;
    const chunked = payload === STREAMING_UNSIGNED_TRAILER;
    if (!signedSha && !chunked && payload !== UNSIGNED_PAYLOAD) {
      throw new S3Error(
        payload.startsWith("STREAMING-") ? "NotImplemented" : "InvalidArgument",
        `the payload mode ${JSON.stringify(payload.slice(0, 60))} is not served: use UNSIGNED-PAYLOAD, a hex SHA-256 of the body, or STREAMING-UNSIGNED-PAYLOAD-TRAILER`,
      );
    }
    const lengthHeader = chunked ? header(req, "x-amz-decoded-content-length") : header(req, "content-length");
    const declared = lengthHeader === undefined ? null : /^\d{1,16}$/.test(lengthHeader) ? Number(lengthHeader) : NaN;
    if (Number.isNaN(declared)) throw new S3Error("InvalidArgument", `the body length ${JSON.stringify(lengthHeader)} is not a number`);
    if (declared !== null && declared > limit) throw new S3Error("EntityTooLarge", limitMessage);
    // the flexible checksum the client announced (header now, or trailer at the end)
    const trailerName = chunked ? header(req, "x-amz-trailer")?.trim().toLowerCase() : undefined;
    const headerChecksum = CHECKSUM_ALGORITHMS.find((a) => header(req, `x-amz-checksum-${a}`) !== undefined);
    const algorithm = trailerName?.startsWith("x-amz-checksum-") ? trailerName.slice("x-amz-checksum-".length) : headerChecksum;
    const contentMd5 = header(req, "content-md5");
    if (r.expectContinue) r.res.writeContinue();

    const meter: Meter = new Meter(
      limit,
      limitMessage,
      { sha256: signedSha !== null || algorithm === "sha256", sha1: algorithm === "sha1", crc32: algorithm === "crc32" },
      { add: (n) => this.receiving.set(storeId, (this.receiving.get(storeId) ?? 0) + n), others: (): number => (this.receiving.get(storeId) ?? 0) - meter.bytes },
    );
    try {
      return await this.receiveInto(r, meter, target, { signedSha, chunked, declared, trailerName, algorithm, contentMd5 });
    } finally {
      const left = (this.receiving.get(storeId) ?? 0) - meter.bytes;
      if (left > 0) this.receiving.set(storeId, left);
      else this.receiving.delete(storeId);
    }
  }

  private async receiveInto(
    r: S3Request,
    meter: Meter,
    target: string,
    body: { signedSha: string | null; chunked: boolean; declared: number | null; trailerName: string | undefined; algorithm: string | undefined; contentMd5: string | undefined },
  ): Promise<Meter> {
    const { req } = r;
    const { signedSha, chunked, declared, trailerName, algorithm, contentMd5 } = body;
    // the request is piped into a pass-through, so a refused body does not destroy the socket before the answer
    const source = new PassThrough();
    req.pipe(source);
    // a client that goes away mid-body: the upload fails (and its temporary file goes) instead of waiting forever
    const cut = (): void => {
      if (!req.complete) source.destroy(new S3Error("IncompleteBody", "the connection closed before the whole body arrived"));
    };
    req.once("close", cut);
    req.once("error", cut);
    const decoder = chunked ? new AwsChunkedDecoder() : null;
    const sink: Writable = this.media.files.tempStream(target);
    try {
      await pipeline(decoder ? [source, decoder, meter, sink] : [source, meter, sink]);
    } catch (error) {
      req.unpipe(source);
      await rm(target, { force: true });
      throw error;
    }
    const fail = async (error: S3Error): Promise<never> => {
      await rm(target, { force: true });
      throw error;
    };
    if (!req.complete) return fail(new S3Error("IncompleteBody", "the request body ended early: resend the object"));
    if (declared !== null && meter.bytes !== declared) {
      return fail(new S3Error("IncompleteBody", `the body has ${meter.bytes} bytes, not the ${declared} its length header says`));
    }
    if (signedSha !== null && meter.sha256Hex() !== signedSha) {
      return fail(new S3Error("XAmzContentSHA256Mismatch", "the body's SHA-256 is not the x-amz-content-sha256 the request was signed with"));
    }
    if (contentMd5 !== undefined && Buffer.from(meter.md5Hex(), "hex").toString("base64") !== contentMd5.trim()) {
      return fail(new S3Error("BadDigest", "the Content-MD5 you specified did not match what was received"));
    }
    if (algorithm) {
      const expected = trailerName ? decoder?.trailers.get(trailerName) : header(req, `x-amz-checksum-${algorithm}`);
      const actual = meter.checksum(algorithm);
      // crc32c and crc64nvme are accepted unverified (no implementation in Node's standard library)
      if (expected !== undefined && actual !== null && expected !== actual) {
        return fail(new S3Error("BadDigest", `the ${algorithm.toUpperCase()} checksum you specified did not match what was received`));
      }
    }
    return meter;
  }

  private async putObject(r: S3Request, row: MediaStoreRow): Promise<void> {
    if (header(r.req, "x-amz-copy-source") !== undefined) throw new S3Error("NotImplemented", "CopyObject is not served: upload the bytes");
    const temp = this.media.files.tempPath();
    const meter = await this.receive(r, row.id, temp, row.max_bytes, `the object is over the grant's limit of ${row.max_bytes} bytes`);
    const etag = meter.md5Hex();
    this.commitIfPending(temp, row);
    this.media.records.setUploaded(row.id, meter.bytes, etag, sentContentType(r.req));
    await this.media.store.committed();
    r.res.writeHead(200, { etag: `"${etag}"`, "x-amz-request-id": r.requestId, "content-length": "0" }).end();
  }

  /**
   * Moves a received object into place, unless its store stopped being pending while the body was
   * arriving (finished or discarded): a finished object never changes under the task that was given it.
   * The check and the rename are synchronous, so no finish can come in between.
   */
  private commitIfPending(temp: string, row: MediaStoreRow): void {
    const now = this.media.records.find(row.id);
    if (now?.state !== "pending") {
      rmSync(temp, { force: true });
      throw new S3Error("AccessDenied", `media store ${row.id} is ${now?.state ?? "gone"}: its object cannot change (upload a new one)`);
    }
    this.media.files.commitSync(temp, row.key);
  }

  private async createMultipart(r: S3Request, row: MediaStoreRow): Promise<void> {
    const open = (await this.media.files.uploads()).filter((u) => u.storeId === row.id).length;
    if (open >= MAX_UPLOADS_PER_STORE) {
      throw new S3Error("InvalidRequest", `media store ${row.id} has ${open} multipart uploads in progress, the most one store may have: complete or abort one (AbortMultipartUpload) first`);
    }
    const upload = await this.media.files.createUpload(row.id, row.key, sentContentType(r.req));
    this.sendXml(r, resultXml("InitiateMultipartUploadResult", { Bucket: row.bucket, Key: row.key, UploadId: upload.uploadId }));
  }

  private async uploadOf(r: S3Request, row: MediaStoreRow) {
    const uploadId = queryValue(r.query, "uploadId") ?? "";
    const upload = await this.media.files.upload(uploadId);
    if (!upload || upload.storeId !== row.id) throw new S3Error("NoSuchUpload", "the multipart upload does not exist (it was completed, aborted, or belongs to another object)");
    return upload;
  }

  private async uploadPart(r: S3Request, row: MediaStoreRow): Promise<void> {
    const upload = await this.uploadOf(r, row);
    const text = queryValue(r.query, "partNumber") ?? "";
    const partNumber = /^\d{1,5}$/.test(text) ? Number(text) : 0;
    if (partNumber < 1 || partNumber > MAX_PART_NUMBER) throw new S3Error("InvalidArgument", `partNumber must be 1..${MAX_PART_NUMBER}`);
    // the parts already stored by every upload of this store (but this part, which a retry replaces)
    let others = 0;
    for (const u of await this.media.files.uploads()) {
      if (u.storeId !== row.id) continue;
      const sizes = await this.media.files.partSizes(u.uploadId);
      if (u.uploadId === upload.uploadId) sizes.delete(partNumber);
      for (const size of sizes.values()) others += size;
    }
    const room = row.max_bytes - others;
    const part = this.media.files.partPath(upload.uploadId, partNumber);
    const temp = `${part}.${randomBytes(6).toString("hex")}.tmp`;
    const meter = await this.receive(r, row.id, temp, Math.max(0, room), `the upload's parts are over the grant's limit of ${row.max_bytes} bytes`);
    const etag = meter.md5Hex();
    try {
      await rename(temp, part);
      await writeFile(`${part}.etag`, etag);
    } catch (error) {
      await rm(temp, { force: true });
      // the upload was completed or aborted while this part arrived: its folder is gone
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new S3Error("NoSuchUpload", "the multipart upload was completed or aborted while this part arrived");
      throw error;
    }
    r.res.writeHead(200, { etag: `"${etag}"`, "x-amz-request-id": r.requestId, "content-length": "0" }).end();
  }

  private async completeMultipart(r: S3Request, row: MediaStoreRow): Promise<void> {
    const upload = await this.uploadOf(r, row);
    if (r.expectContinue) r.res.writeContinue();
    const body = await readSmallBody(r.req, MAX_XML_BODY_BYTES);
    let parts: Array<{ number: number; etag: string }>;
    try {
      const doc = this.xml.parse(body.toString("utf8")) as { CompleteMultipartUpload?: { Part?: Array<{ PartNumber?: unknown; ETag?: unknown }> } };
      parts = (doc.CompleteMultipartUpload?.Part ?? []).map((p) => ({ number: Number(p.PartNumber), etag: String(p.ETag ?? "").replace(/"/g, "") }));
    } catch {
      throw new S3Error("MalformedXML", "the CompleteMultipartUpload body is not well-formed XML");
    }
    if (parts.length === 0) throw new S3Error("MalformedXML", "CompleteMultipartUpload lists no parts");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (!Number.isInteger(p.number) || p.number < 1 || p.number > MAX_PART_NUMBER) throw new S3Error("InvalidPart", `part number ${String(p.number)} is not 1..${MAX_PART_NUMBER}`);
      if (i > 0 && p.number <= parts[i - 1]!.number) throw new S3Error("InvalidPartOrder", "list the parts in ascending order of part number");
    }
    let total = 0;
    const digests: Buffer[] = [];
    for (const p of parts) {
      const path = this.media.files.partPath(upload.uploadId, p.number);
      const size = await stat(path).then((s) => s.size, () => null);
      const etag = await readFile(`${path}.etag`, "utf8").catch(() => null);
      if (size === null || etag === null || etag !== p.etag) throw new S3Error("InvalidPart", `part ${p.number} was not uploaded, or its ETag is not ${JSON.stringify(p.etag)}`);
      total += size;
      digests.push(Buffer.from(etag, "hex"));
    }
    if (total > row.max_bytes) throw new S3Error("EntityTooLarge", `the upload's parts are over the grant's limit of ${row.max_bytes} bytes`);
    const temp = this.media.files.tempPath();
    const out = this.media.files.tempStream(temp);
    try {
      for (const p of parts) await pipeline(createReadStream(this.media.files.partPath(upload.uploadId, p.number)), out, { end: false });
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      this.commitIfPending(temp, row);
    } catch (error) {
      // a part that vanished (an abort at the same time) leaves the output open: close its file
      out.destroy();
      await this.media.files.discardTemp(temp);
      throw error;
    }
    const etag = `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts.length}`;
    // recorded in the turn of the rename, so a first use in between never finishes the store with another object's size and ETag
    this.media.records.setUploaded(row.id, total, etag, upload.contentType);
    await this.media.files.removeUpload(upload.uploadId);
    await this.media.store.committed();
    this.sendXml(r, resultXml("CompleteMultipartUploadResult", { Location: `/${row.bucket}/${row.key}`, Bucket: row.bucket, Key: row.key, ETag: `"${etag}"` }));
  }

  private async abortMultipart(r: S3Request, row: MediaStoreRow): Promise<void> {
    const upload = await this.uploadOf(r, row);
    await this.media.files.removeUpload(upload.uploadId);
    r.res.writeHead(204, { "x-amz-request-id": r.requestId }).end();
  }

  // reads ------------------------------------------------------------------------------------------

  private async getObject(r: S3Request, row: MediaStoreRow, _grant: MediaGrantRow, head: boolean): Promise<void> {
    const size = await this.media.files.size(row.key);
    if (size === null) throw new S3Error("NoSuchKey", `the object of media store ${row.id} is missing from the server's data folder`);
    const headers: Record<string, string> = {
      "x-amz-request-id": r.requestId,
      "accept-ranges": "bytes",
      "content-type": queryValue(r.query, "response-content-type") ?? row.content_type ?? "application/octet-stream",
      "last-modified": new Date(row.finished_at ?? row.created_at).toUTCString(),
      // objects are served on the web UI's own origin: an uploaded HTML or SVG page must not run script there
      // (it could read the UI's token), so the browser renders it sandboxed (an opaque origin, no script) and never sniffs a type
      "content-security-policy": "sandbox; default-src 'none'",
      "x-content-type-options": "nosniff",
    };
    if (row.etag) headers.etag = `"${row.etag}"`;
    const disposition = queryValue(r.query, "response-content-disposition");
    if (disposition !== undefined) headers["content-disposition"] = disposition;
    // the store's name, for readers of a store id (File.fromId's HEAD, call --out): no query reads it
    else if (row.original_file_name) headers["content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(row.original_file_name)}`;
    const range = parseRange(header(r.req, "range"), size);
    if (range === "unsatisfiable") throw new S3Error("InvalidRange", `the requested range is not satisfiable (the object has ${size} bytes)`);
    let status = 200;
    let length = size;
    if (range) {
      status = 206;
      length = range.end - range.start + 1;
      headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
    }
    headers["content-length"] = String(length);
    r.res.writeHead(status, headers);
    if (head || length === 0) {
      r.res.end();
      return;
    }
    await pipeline(this.media.files.read(row.key, range ?? undefined), r.res);
  }

  private sendXml(r: S3Request, body: string): void {
    r.res.writeHead(200, { "content-type": "application/xml", "x-amz-request-id": r.requestId, "content-length": String(Buffer.byteLength(body)) }).end(body);
  }
}

/** One `bytes=` range of an object of `size` bytes: null for none (or several: the whole object), "unsatisfiable" past the end. */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | null | "unsatisfiable" {
  if (!value) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new S3Error("MalformedXML", `the request body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Whether `error` only says that the client hung up while the answer was being sent. */
function hungUp(res: ServerResponse, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return res.destroyed || code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ECONNRESET" || code === "EPIPE";
}
