// Issue 14: where the media store's S3 endpoint comes from (src/runtime/config.ts, the one resolver).
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformConfigError, resolveS3Endpoint } from "../../src/runtime/config.js";

let server: Server;
let base: string;
let answer: { status: number; body: unknown } = { status: 200, body: { endpoint: "http://s3.announced:9000", region: "us-east-1", bucket: "media" } };
let asked = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/.well-known/s3") {
      asked++;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
const made: string[] = [];
afterAll(async () => {
  made.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function devTokenFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-s3-"));
  made.push(dir);
  const file = join(dir, "dev-token.json");
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe("issue 14: the S3 endpoint resolver", () => {
  it("issue 14: the explicit option wins, then ARKITEKT_S3_URL, then the dev-token file, then GET /.well-known/s3", async () => {
    const file = devTokenFile({ url: base, token: "t", s3: { endpoint: "http://s3.from-file:9000/", region: "us-east-1", bucket: "media" } });
    const env = { ARKITEKT_S3_URL: "http://s3.from-env:9000" };
    asked = 0;
    await expect(resolveS3Endpoint({ platformUrl: base, s3Url: "http://s3.option:9000/", env, devTokenFile: file })).resolves.toEqual({
      endpoint: "http://s3.option:9000",
      from: "the s3Url option",
    });
    await expect(resolveS3Endpoint({ platformUrl: base, env, devTokenFile: file })).resolves.toEqual({ endpoint: "http://s3.from-env:9000", from: "ARKITEKT_S3_URL" });
    await expect(resolveS3Endpoint({ platformUrl: `${base}/`, env: {}, devTokenFile: file })).resolves.toEqual({
      endpoint: "http://s3.from-file:9000",
      from: file,
      region: "us-east-1",
      bucket: "media",
    });
    expect(asked).toBe(0);
    await expect(resolveS3Endpoint({ platformUrl: base, env: {}, devTokenFile: false })).resolves.toEqual({
      endpoint: "http://s3.announced:9000",
      from: `GET ${base}/.well-known/s3`,
      region: "us-east-1",
      bucket: "media",
    });
    expect(asked).toBe(1);
  });

  it("issue 14: the dev-token file's endpoint is used only when its url is the platform in use", async () => {
    const file = devTokenFile({ url: "http://127.0.0.1:1", token: "t", s3: { endpoint: "http://s3.other-platform:9000" } });
    const found = await resolveS3Endpoint({ platformUrl: base, env: {}, devTokenFile: file });
    expect(found.endpoint).toBe("http://s3.announced:9000");
  });

  it("issue 14: a relative announced endpoint is relative to the platform's base (the embedded server announces its root)", async () => {
    answer = { status: 200, body: { endpoint: "/" } };
    try {
      expect((await resolveS3Endpoint({ platformUrl: base, env: {}, devTokenFile: false })).endpoint).toBe(base);
    } finally {
      answer = { status: 200, body: { endpoint: "http://s3.announced:9000", region: "us-east-1", bucket: "media" } };
    }
  });

  it("issue 14: no endpoint anywhere is a PlatformConfigError naming every place it looked, with a hint", async () => {
    answer = { status: 404, body: {} };
    try {
      const error = await resolveS3Endpoint({ platformUrl: base, env: {}, devTokenFile: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformConfigError);
      expect((error as PlatformConfigError).problem).toBe("NO_S3_ENDPOINT");
      expect((error as PlatformConfigError).message).toBe(
        `no S3 endpoint for the media store of ${base}: no s3Url option, no ARKITEKT_S3_URL, GET ${base}/.well-known/s3 (it answered HTTP 404)`,
      );
      expect((error as PlatformConfigError).hint).toContain("set ARKITEKT_S3_URL");
    } finally {
      answer = { status: 200, body: { endpoint: "http://s3.announced:9000" } };
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const gone = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await resolveS3Endpoint({ platformUrl: gone, env: {}, devTokenFile: false }).catch((e: unknown) => e);
    expect((unreachable as Error).message).toContain(`GET ${gone}/.well-known/s3 (it failed: ECONNREFUSED)`);
  });

  it("issue 14: a malformed endpoint is refused naming where it came from", async () => {
    await expect(resolveS3Endpoint({ platformUrl: base, env: { ARKITEKT_S3_URL: "minio:9000" } })).rejects.toThrow(
      'the S3 endpoint "minio:9000" (from ARKITEKT_S3_URL) is not an http(s) URL',
    );
  });
});
