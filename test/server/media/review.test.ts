/**
 * Findings of the security review of the media store (issue 14, reviewer r1): each test reproduces
 * an attack or an operator's problem that worked before its fix.
 */
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { request as httpRequest, type ClientRequest } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ObjectFiles } from "../../../src/server/media/objects.js";
import { presignUrl } from "../../../src/server/media/sigv4.js";
import { ASSIGN, implOf, setupAgent } from "../helpers/fixture.js";
import { useSharedTestServer, useTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { finishUpload, requestAccess, requestUpload, KEEP_FILE, s3ErrorCode, s3For, type Grant } from "./helpers.js";

const presignedPut = (url: string, grant: Grant, query: Record<string, string> = {}) =>
  presignUrl(new URL(url), "PUT", `/${grant.bucket}/${grant.key}`, { accessKey: grant.accessKey, secretKey: grant.secretKey, sessionToken: grant.sessionToken }, "us-east-1", 600, query);

/** Starts a PUT of `length` bytes to `url` and returns the request (to write the body piece by piece) and its answer. */
function startPut(url: string, length: number, headers: Record<string, string> = {}): { req: ClientRequest; answer: Promise<{ status: number; body: string }> } {
  let req!: ClientRequest;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = httpRequest(url, { method: "PUT", headers: { "content-length": String(length), ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
  return { req, answer };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("review r1: the media store under attack", () => {
  const server = useSharedTestServer({ maxMediaBytes: 1024 * 1024 });

  it("review r1: an uploaded HTML object is served sandboxed (CSP sandbox, nosniff), so it cannot run script on the web UI's origin", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "page.html", contentType: "text/html" });
    await s3For(s, grant).send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: "<script>alert(sessionStorage.length)</script>", ContentType: "text/html" }));
    await finishUpload(s, T1, grant.store);
    const access = await requestAccess(s, T1, grant.store);
    const url = await presignUrl(
      new URL(s.url),
      "GET",
      `/${access.bucket}/${access.key}`,
      { accessKey: access.accessKey, secretKey: access.secretKey, sessionToken: access.sessionToken },
      "us-east-1",
      600,
      // a read grant's holder may also ask for any response type
      { "response-content-type": "text/html" },
    );
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<script>");
    expect(res.headers.get("content-security-policy")).toMatch(/\bsandbox\b/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("review r1: an upload still streaming when its store is finished does not replace the finished object", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    await s3For(s, grant).send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: "first version" }));
    // a second PUT starts while the store is pending ...
    const second = Buffer.from("a replaced version, sent after the store was finished");
    const { req, answer } = startPut(await presignedPut(s.url, grant), second.length);
    req.write(second.subarray(0, 10));
    const tmp = join(s.dataDir, "media", "tmp");
    await until(async () => (await readdir(tmp)).length > 0, "the second upload's temporary file");
    // ... the store is finished (its object checked and confirmed) ...
    await finishUpload(s, T1, grant.store);
    // ... and only then the rest of the body arrives
    req.end(second.subarray(10));
    const { status, body } = await answer;
    expect(status).toBe(403);
    expect(body).toContain("is finished");
    const access = await requestAccess(s, T1, grant.store);
    const got = await s3For(s, access).send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key }));
    expect(await got.Body!.transformToString()).toBe("first version");
    expect(await readdir(tmp)).toEqual([]);
  });

  it("review r1: finishMediaUpload(valid: false) is refused while an unfinished task refers to the store (its object stays)", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    await s3For(s, grant).send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: "a running task reads me" }));
    await finishUpload(s, T1, grant.store);
    const fixture = await setupAgent(s, T1, [KEEP_FILE]);
    await s.connectAgent(T1);
    await s.gql(T1, ASSIGN, { input: { implementation: implOf(fixture, "keep_file").id, args: { file: { __identifier: "@arkitekt/file", object: grant.store } } } });
    // another app of the same organisation tries to discard it under the running task
    const errors = await s.gqlErrors(T2, "mutation ($id: String!) { finishMediaUpload(input: {storeId: $id, valid: false}) { id } }", { id: grant.store });
    expect(errors[0]).toContain("an unfinished task refers to it");
    const access = await requestAccess(s, T1, grant.store);
    const got = await s3For(s, access).send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key }));
    expect(await got.Body!.transformToString()).toBe("a running task reads me");
  });

  it("review r1: the parts of every multipart upload of a store count against its limit (a second upload cannot store another maxBytes)", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "small.bin", fileSize: 1000 });
    const s3 = s3For(s, grant);
    const part = (uploadId: string, partNumber: number, size: number) =>
      s3.send(new UploadPartCommand({ Bucket: grant.bucket, Key: grant.key, UploadId: uploadId, PartNumber: partNumber, Body: Buffer.alloc(size, 1) }));
    const first = await s3.send(new CreateMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key }));
    await part(first.UploadId!, 1, 800);
    const second = await s3.send(new CreateMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key }));
    expect(await s3ErrorCode(part(second.UploadId!, 1, 800))).toBe("EntityTooLarge");
    // within what is left it works
    await part(second.UploadId!, 1, 200);
  });

  it("review r1: parts received at the same time share the store's limit (racing parts cannot pass maxBytes together)", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "small.bin", fileSize: 1000 });
    const s3 = s3For(s, grant);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key }));
    // part 1 (600 bytes) is on its way: 500 of them arrived
    const { req, answer } = startPut(await presignedPut(s.url, grant, { partNumber: "1", uploadId: UploadId! }), 600);
    req.write(Buffer.alloc(500, 1));
    const dir = join(s.dataDir, "media", "multipart", UploadId!);
    await until(async () => {
      const temp = (await readdir(dir)).find((n) => n.endsWith(".tmp"));
      return temp !== undefined && (await stat(join(dir, temp))).size === 500;
    }, "part 1's first 500 bytes");
    // part 2 (600 bytes) would make 1200 together
    expect(await s3ErrorCode(s3.send(new UploadPartCommand({ Bucket: grant.bucket, Key: grant.key, UploadId, PartNumber: 2, Body: Buffer.alloc(600, 2) })))).toBe("EntityTooLarge");
    req.end(Buffer.alloc(100, 1));
    expect((await answer).status).toBe(200);
  });

  it("review r1: a part still arriving when its upload is aborted is answered NoSuchUpload (not InternalError) and leaves no file", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const s3 = s3For(s, grant);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key }));
    const { req, answer } = startPut(await presignedPut(s.url, grant, { partNumber: "1", uploadId: UploadId! }), 600);
    req.write(Buffer.alloc(300, 1));
    const dir = join(s.dataDir, "media", "multipart", UploadId!);
    await until(async () => (await readdir(dir)).some((n) => n.endsWith(".tmp")), "part 1's temporary file");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key, UploadId }));
    req.end(Buffer.alloc(300, 1));
    const { status, body } = await answer;
    expect(body).toContain("<Code>NoSuchUpload</Code>");
    expect(status).toBe(404);
    expect(existsSync(dir)).toBe(false);
  });

  it("review r1: a Content-Type sent with the object is kept only when it is a plausible MIME type (printable ASCII, at most 255 characters)", async () => {
    const s = server();
    for (const [sent, kept] of [
      ["image/png", "image/png"],
      ["x".repeat(5000), null],
      ["text/plain\u00ff", null],
    ] as const) {
      const grant = await requestUpload(s, T1);
      const { req, answer } = startPut(await presignedPut(s.url, grant), 2, { "content-type": sent });
      req.end("hi");
      expect((await answer).status).toBe(200);
      const store = await finishUpload(s, T1, grant.store);
      expect(store.contentType).toBe(kept);
    }
  });

  it("review r1: a store has at most 16 multipart uploads in progress", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const s3 = s3For(s, grant);
    for (let i = 0; i < 16; i++) await s3.send(new CreateMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key }));
    expect(await s3ErrorCode(s3.send(new CreateMultipartUploadCommand({ Bucket: grant.bucket, Key: grant.key })))).toBe("InvalidRequest");
  });
});

describe("review r1: multipart bookkeeping", () => {
  it("review r1: listing the multipart uploads on a live server never deletes an upload being created (its folder exists, its upload.json not yet)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-review-"));
    try {
      const files = new ObjectFiles(dataDir);
      // the moment between createUpload's mkdir and its writeFile of upload.json
      const uploadId = "ab".repeat(16);
      const dir = join(dataDir, "media", "multipart", uploadId);
      await mkdir(dir, { recursive: true });
      // another store's UploadPart / CreateMultipartUpload / discard lists the uploads now
      expect(await files.uploads()).toEqual([]);
      expect(existsSync(dir)).toBe(true);
      // the offline garbage collection removes a folder that never got its upload.json
      expect(await files.uploads({ removeBroken: true })).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("review r2: a reader that hangs up", () => {
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void errors.push(message) };
  const server = useTestServer({ logger });

  it("review r2: a client that closes the connection in the middle of a GET is not logged as a server error", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "big.bin" });
    await s3For(s, grant).send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: Buffer.alloc(8 * 1024 * 1024, 7) }));
    await finishUpload(s, T1, grant.store);
    const access = await requestAccess(s, T1, grant.store);
    const url = await presignUrl(new URL(s.url), "GET", `/${access.bucket}/${access.key}`, access, "us-east-1", 60);
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, (res) => {
        expect(res.statusCode).toBe(200);
        res.once("data", () => {
          req.destroy(); // gone after the first chunk, as a reader that stops early
          setTimeout(resolve, 300);
        });
      });
      req.on("error", () => undefined);
      req.once("error", reject);
      req.end();
    });
    expect(errors).toEqual([]);
  });
});
