/**
 * The payload modes of the S3 endpoint: the SDK's aws-chunked stream with a CRC32 trailer, a signed
 * SHA-256 checked while streaming, `Expect: 100-continue` refused before the body; and the
 * aws-chunked decoder on its own, fed in arbitrary pieces.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder } from "../../../src/server/media/aws-chunked.js";
import { useSharedTestServer } from "../helpers/server.js";
import { pollUntil } from "../helpers/wait.js";
import { T1 } from "../helpers/tokens.js";
import { patternBytes, requestAccess, requestUpload, s3For, type Grant } from "./helpers.js";

interface RawResponse {
  status: number;
  body: string;
  /** Whether the server asked for the body (100 Continue). */
  continued: boolean;
}

/** Signs a request with the grant's credentials (the SDK's signer, as a client would) and sends it raw. */
async function signedSend(url: string, grant: Grant, method: string, headers: Record<string, string>, body: Buffer | null, options: { expectContinue?: boolean } = {}): Promise<RawResponse> {
  const target = new URL(`${url}/${grant.bucket}/${grant.key}`);
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: { accessKeyId: grant.accessKey, secretAccessKey: grant.secretKey, sessionToken: grant.sessionToken },
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: false,
  });
  const signed = await signer.sign({ method, protocol: "http:", hostname: target.hostname, port: Number(target.port), path: target.pathname, query: {}, headers: { host: target.host, ...headers } });
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpRequest(target, { method, headers: { ...(signed.headers as Record<string, string>), ...(options.expectContinue ? { expect: "100-continue" } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, continued }));
    });
    req.on("error", reject);
    if (options.expectContinue) {
      req.on("continue", () => {
        continued = true;
        req.end(body ?? undefined);
      });
    } else req.end(body ?? undefined);
  });
}

/** `data` in aws-chunked encoding with a trailer, in chunks of `size`. */
function awsChunked(data: Buffer, size: number, trailer: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) {
    const chunk = data.subarray(i, i + size);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`0\r\n${trailer}\r\n\r\n`));
  return Buffer.concat(parts);
}

const crc32Base64 = (data: Buffer): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data) >>> 0);
  return b.toString("base64");
};

describe("issue 14: S3 payload modes", () => {
  const server = useSharedTestServer({ maxMediaBytes: 32 * 1024 * 1024 });

  it("issue 14: a streamed PutObject (aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer) is decoded and stored", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const bytes = patternBytes(3 * 1024 * 1024 + 17);
    await s3For(s, grant).send(
      new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), ContentLength: bytes.length }),
    );
    const access = await requestAccess(s, T1, grant.store);
    const got = Buffer.from(await (await s3For(s, access).send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key }))).Body!.transformToByteArray());
    expect(got.length).toBe(bytes.length);
    expect(got.equals(bytes)).toBe(true);
  });

  it("issue 14: an aws-chunked body whose CRC32 trailer does not match is refused with BadDigest and not stored", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const data = Buffer.from("the real content of the object");
    const headers = {
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(data.length),
      "x-amz-trailer": "x-amz-checksum-crc32",
    };
    const bad = await signedSend(s.url, grant, "PUT", headers, awsChunked(data, 8, `x-amz-checksum-crc32:${crc32Base64(Buffer.from("something else"))}`));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("<Code>BadDigest</Code>");
    const good = await signedSend(s.url, grant, "PUT", headers, awsChunked(data, 8, `x-amz-checksum-crc32:${crc32Base64(data)}`));
    expect(good.status).toBe(200);
  });

  it("issue 14: a body that does not match its signed SHA-256 is refused with XAmzContentSHA256Mismatch", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const signedFor = createHash("sha256").update("what was signed").digest("hex");
    const response = await signedSend(s.url, grant, "PUT", { "x-amz-content-sha256": signedFor }, Buffer.from("what was sent!!"));
    expect(response.status).toBe(400);
    expect(response.body).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    expect((await s.gqlErrors(T1, "mutation ($id: String!) { requestMediaAccess(input: {storeId: $id}) { key } }", { id: grant.store }))[0]).toContain("never uploaded");
  });

  it("issue 14: a signed streaming payload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) is refused with NotImplemented, naming the accepted modes", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const response = await signedSend(s.url, grant, "PUT", { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "1" }, Buffer.from("1\r\nx\r\n0\r\n\r\n"));
    expect(response.status).toBe(501);
    expect(response.body).toContain("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  });

  it("issue 14: with Expect: 100-continue an over-size upload is refused before its body is sent", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "x", fileSize: 1000 });
    const body = Buffer.alloc(5000, 1);
    const response = await signedSend(s.url, grant, "PUT", { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(body.length) }, body, { expectContinue: true });
    expect(response.status).toBe(400);
    expect(response.body).toContain("<Code>EntityTooLarge</Code>");
    expect(response.continued).toBe(false);
    const fits = Buffer.alloc(1000, 2);
    const ok = await signedSend(s.url, grant, "PUT", { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(fits.length) }, fits, { expectContinue: true });
    expect(ok).toMatchObject({ status: 200, continued: true });
  });
});

describe("issue 14: the aws-chunked decoder", () => {
  const decode = async (pieces: Buffer[]): Promise<{ data: Buffer; trailers: Map<string, string> }> => {
    const decoder = new AwsChunkedDecoder();
    const out: Buffer[] = [];
    decoder.on("data", (c: Buffer) => out.push(c));
    const done = new Promise<void>((resolve, reject) => {
      decoder.on("end", resolve);
      decoder.on("error", reject);
    });
    for (const p of pieces) decoder.write(p);
    decoder.end();
    await done;
    return { data: Buffer.concat(out), trailers: decoder.trailers };
  };

  it("issue 14: decodes data and trailers fed one byte at a time, with chunk extensions", async () => {
    const data = patternBytes(1000);
    const encoded = awsChunked(data, 333, "x-amz-checksum-crc32:AAAAAA==").toString("latin1").replace("14d\r\n", "14d;chunk-signature=abc\r\n");
    const bytes = Buffer.from(encoded, "latin1");
    const { data: decoded, trailers } = await decode([...bytes].map((b) => Buffer.from([b])));
    expect(decoded.equals(data)).toBe(true);
    expect(trailers.get("x-amz-checksum-crc32")).toBe("AAAAAA==");
  });

  it("issue 14: a body cut before its final chunk, or a chunk longer than its size, is an error", async () => {
    const whole = awsChunked(Buffer.from("hello world"), 4, "x:y");
    await expect(decode([whole.subarray(0, whole.length - 8)])).rejects.toThrow(/ended before its final chunk/);
    await expect(decode([Buffer.from("3\r\nhello\r\n0\r\n\r\n")])).rejects.toThrow(/not followed by CRLF/);
    await expect(decode([Buffer.from("zz\r\n")])).rejects.toThrow(/no chunk size/);
  });
});

describe("issue 14: an upload cut off mid-body", () => {
  const server = useSharedTestServer();

  it("issue 14: a client that disconnects mid-upload leaves no temporary file and no object", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    const presigned = (await (
      await fetch(`${s.url}/api/media/presign`, { method: "POST", headers: { authorization: `Bearer ${T1}` }, body: JSON.stringify({ storeId: grant.store, method: "PUT" }) })
    ).json()) as { url: string };
    await new Promise<void>((resolve) => {
      const req = httpRequest(presigned.url, { method: "PUT", headers: { "content-length": "100000" } });
      req.on("error", () => resolve());
      req.write(Buffer.alloc(5000, 3), () => setTimeout(() => req.destroy(), 50));
      req.on("close", () => resolve());
    });
    const tmp = join(s.dataDir, "media", "tmp");
    await pollUntil(() => readdir(tmp), (names) => names.length === 0, { what: "the temporary file to go" });
    expect(await readdir(join(s.dataDir, "media", "objects"))).toEqual([]);
    // and the grant still works for a complete upload
    await s3For(s, grant).send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: "complete" }));
    expect(await readdir(join(s.dataDir, "media", "objects"))).toEqual([grant.key]);
  });
});
