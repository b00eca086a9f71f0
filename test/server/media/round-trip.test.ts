import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { useTestServer } from "../helpers/server.js";
import { T1 } from "../helpers/tokens.js";
import { finishUpload, patternBytes, requestAccess, requestUpload, s3For } from "./helpers.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("issue 14: the media store round trip", () => {
  const server = useTestServer();

  it("issue 14: upload, finish, access and download round-trip the bytes through the raw S3 client", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "notes.txt", contentType: "text/plain" });
    expect(grant).toMatchObject({ status: "granted", region: "us-east-1", bucket: "media", uploadFileName: "notes.txt", uploadContentType: "text/plain", uploadFormField: "file" });
    expect(grant.store).toMatch(/^ms_[A-Za-z0-9_-]{22}$/);
    expect(grant.key).toMatch(/^[0-9a-f]{32}$/);
    expect(grant.path).toBe(`s3://media/${grant.key}`);
    expect(grant.maxBytes).toBe(2_147_483_647);
    const body = Buffer.from("hello media store\n");
    await s3For(s, grant).send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: body, ContentType: "text/plain" }));
    const store = await finishUpload(s, T1, grant.store);
    expect(store).toMatchObject({ id: grant.store, key: grant.key, bucket: "media", path: `s3://media/${grant.key}`, presignedUrl: `s3://media/${grant.key}`, originalFileName: "notes.txt", contentType: "text/plain" });
    const access = await requestAccess(s, T1, grant.store);
    expect(access).toMatchObject({ bucket: "media", key: grant.key, store: grant.store });
    const got = await s3For(s, access).send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key }));
    expect(got.ContentType).toBe("text/plain");
    expect(Buffer.from(await got.Body!.transformToByteArray()).toString()).toBe(body.toString());
    const head = await s3For(s, access).send(new HeadObjectCommand({ Bucket: access.bucket, Key: access.key }));
    expect(head.ContentLength).toBe(body.length);
    const range = await s3For(s, access).send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key, Range: "bytes=6-10" }));
    expect(range.ContentRange).toBe(`bytes 6-10/${body.length}`);
    expect(Buffer.from(await range.Body!.transformToByteArray()).toString()).toBe("media");
  });

  it("issue 14: a multipart upload (lib-storage Upload, 5 MiB parts of a 12 MiB stream) stores the whole object", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "big.bin" });
    const bytes = patternBytes(12 * 1024 * 1024);
    const upload = new Upload({
      client: s3For(s, grant),
      params: { Bucket: grant.bucket, Key: grant.key, Body: Readable.from([bytes.subarray(0, 3_000_000), bytes.subarray(3_000_000)]) },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const parts: number[] = [];
    upload.on("httpUploadProgress", (p) => parts.push(p.part ?? 0));
    await upload.done();
    expect(new Set(parts).size).toBe(3);
    const access = await requestAccess(s, T1, grant.store);
    const got = await s3For(s, access).send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key }));
    expect(got.ContentLength).toBe(bytes.length);
    expect(got.ETag).toMatch(/-3"$/);
    expect(sha(await got.Body!.transformToByteArray())).toBe(sha(bytes));
  });
});
