import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { startTestServer, useSharedTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";
import { finishUpload, patternBytes, requestAccess, requestUpload, s3ErrorCode, s3For } from "./helpers.js";

const put = (grant: { bucket: string; key: string }, body: Uint8Array | string = "bytes") => new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: body });
const get = (grant: { bucket: string; key: string }) => new GetObjectCommand({ Bucket: grant.bucket, Key: grant.key });

/** A raw PUT with `Transfer-Encoding: chunked` (no length for the server to check first): only the streamed count can refuse it. */
function chunkedPut(url: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "PUT", headers: { "transfer-encoding": "chunked" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("issue 14: the S3 endpoint refuses what a grant does not allow", () => {
  const server = useSharedTestServer({ maxMediaBytes: 64 * 1024 * 1024 });

  it("issue 14: a grant used for another key is refused with AccessDenied", async () => {
    const s = server();
    const mine = await requestUpload(s, T1);
    const other = await requestUpload(s, T1);
    expect(await s3ErrorCode(s3For(s, mine).send(put(other)))).toBe("AccessDenied");
  });

  it("issue 14: another organisation's credentials and store id are refused (AccessDenied on S3, not found over GraphQL)", async () => {
    const s = server();
    const labs = await requestUpload(s, T1);
    await s3For(s, labs).send(put(labs, "lab data"));
    await finishUpload(s, T1, labs.store);
    const elsewhere = await requestUpload(s, T3);
    // T3's upload grant on the lab's key
    expect(await s3ErrorCode(s3For(s, elsewhere).send(put(labs)))).toBe("AccessDenied");
    // T3's read grant (for its own store) on the lab's key
    await s3For(s, elsewhere).send(put(elsewhere, "mine"));
    const readElsewhere = await requestAccess(s, T3, elsewhere.store);
    expect(await s3ErrorCode(s3For(s, readElsewhere).send(get(labs)))).toBe("AccessDenied");
    // the lab's store id is unknown in T3's organisation
    for (const query of [
      "mutation ($id: String!) { requestMediaAccess(input: {storeId: $id}) { key } }",
      "mutation ($id: String!) { finishMediaUpload(input: {storeId: $id}) { id } }",
      "mutation ($id: String!) { finishMediaUpload(input: {storeId: $id, valid: false}) { id } }",
    ]) {
      const errors = await s.gqlErrors(T3, query, { id: labs.store });
      expect(errors[0]).toContain(`Media store "${labs.store}" not found in organisation "elsewhere"`);
    }
    // and the lab still reads its object
    const access = await requestAccess(s, T1, labs.store);
    expect(await (await s3For(s, access).send(get(access))).Body!.transformToString()).toBe("lab data");
  });

  it("issue 14: a tampered signature is refused with SignatureDoesNotMatch (header and presigned forms)", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    expect(await s3ErrorCode(s3For(s, { ...grant, secretKey: `${grant.secretKey}x` }).send(put(grant)))).toBe("SignatureDoesNotMatch");
    const presigned = (await (
      await fetch(`${s.url}/api/media/presign`, { method: "POST", headers: { authorization: `Bearer ${T1}`, "content-type": "application/json" }, body: JSON.stringify({ storeId: grant.store, method: "PUT" }) })
    ).json()) as { url: string };
    const url = new URL(presigned.url);
    const signature = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
    const response = await fetch(url, { method: "PUT", body: "x" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    // a signed query parameter changed after signing
    const widened = new URL(presigned.url);
    widened.searchParams.set("X-Amz-Expires", "604800");
    expect(await (await fetch(widened, { method: "PUT", body: "x" })).text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("issue 14: a session token that is not the grant's is refused with InvalidToken", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    expect(await s3ErrorCode(s3For(s, { ...grant, sessionToken: "not-the-token" }).send(put(grant)))).toBe("InvalidToken");
  });

  it("issue 14: unknown credentials are refused with InvalidAccessKeyId and unsigned requests with AccessDenied", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    expect(await s3ErrorCode(s3For(s, { ...grant, accessKey: "AKMSNOTAGRANT0000000" }).send(put(grant)))).toBe("InvalidAccessKeyId");
    const anonymous = await fetch(`${s.url}/media/${grant.key}`, { method: "PUT", body: "x" });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("issue 14: an upload grant cannot read and a read grant cannot write (AccessDenied)", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    await s3For(s, grant).send(put(grant, "content"));
    expect(await s3ErrorCode(s3For(s, grant).send(get(grant)))).toBe("AccessDenied");
    const access = await requestAccess(s, T1, grant.store);
    expect(await s3ErrorCode(s3For(s, access).send(put(access, "overwrite")))).toBe("AccessDenied");
    // finished: the upload grant may no longer change the object
    expect(await s3ErrorCode(s3For(s, grant).send(put(grant, "overwrite")))).toBe("AccessDenied");
  });

  it("issue 14: a body over the grant's size is refused with EntityTooLarge (declared length, streamed count, multipart total)", async () => {
    const s = server();
    const small = await requestUpload(s, T1, { originalFileName: "small.bin", fileSize: 10 });
    expect(small.maxBytes).toBe(10);
    expect(await s3ErrorCode(s3For(s, small).send(put(small, "eleven byte")))).toBe("EntityTooLarge");
    // no declared length: the streamed count refuses it
    const presigned = (await (
      await fetch(`${s.url}/api/media/presign`, { method: "POST", headers: { authorization: `Bearer ${T1}` }, body: JSON.stringify({ storeId: small.store, method: "PUT" }) })
    ).json()) as { url: string };
    const streamed = await chunkedPut(presigned.url, [Buffer.alloc(6, 1), Buffer.alloc(6, 2)]);
    expect(streamed.status).toBe(400);
    expect(streamed.body).toContain("<Code>EntityTooLarge</Code>");
    // nothing was kept: the store cannot be used
    expect((await s.gqlErrors(T1, "mutation ($id: String!) { requestMediaAccess(input: {storeId: $id}) { key } }", { id: small.store }))[0]).toContain("never uploaded");
    // multipart: 12 MiB in 5 MiB parts against a 6 MiB grant
    const limited = await requestUpload(s, T1, { originalFileName: "parts.bin", fileSize: 6 * 1024 * 1024 });
    const upload = new Upload({ client: s3For(s, limited), params: { Bucket: limited.bucket, Key: limited.key, Body: patternBytes(12 * 1024 * 1024) }, partSize: 5 * 1024 * 1024, queueSize: 1, leavePartsOnError: true });
    expect(await s3ErrorCode(upload.done())).toBe("EntityTooLarge");
    // a fileSize over the server's maxMediaBytes is refused at the request
    const tooBig = await s.gqlErrors(T1, "mutation { requestMediaUpload(input: {originalFileName: \"x\", fileSize: 67108865}) { key } }");
    expect(tooBig[0]).toContain("maxMediaBytes");
  });
});

describe("issue 14: expired grants", () => {
  it("issue 14: an expired upload grant is refused with ExpiredToken, an expired read grant too", async () => {
    const s = await startTestServer({ mediaGrantSeconds: 1 });
    try {
      const grant = await requestUpload(s, T1);
      await s3For(s, grant).send(put(grant, "in time"));
      const access = await requestAccess(s, T1, grant.store);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await s3ErrorCode(s3For(s, grant).send(put(grant, "too late")))).toBe("ExpiredToken");
      expect(await s3ErrorCode(s3For(s, access).send(get(access)))).toBe("ExpiredToken");
      // a new grant reads it
      const fresh = await requestAccess(s, T1, grant.store);
      expect(await (await s3For(s, fresh).send(get(fresh))).Body!.transformToString()).toBe("in time");
    } finally {
      await s.close();
    }
  });
});
