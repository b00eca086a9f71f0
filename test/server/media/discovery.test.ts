import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";
import { finishUpload, requestUpload } from "./helpers.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";

describe("issue 14: S3 endpoint discovery and the browser's presign API", () => {
  const server = useTestServer();

  it("issue 14: GET /.well-known/s3 announces the endpoint, region and bucket without a token", async () => {
    const s = server();
    const response = await fetch(`${s.url}/.well-known/s3`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ endpoint: s.url, region: "us-east-1", bucket: "media" });
  });

  it("issue 14: dev-token.json carries the same s3 block", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-media-devtoken-"));
    const handle = await startServer({ dataDir, port: 0 });
    try {
      const file = JSON.parse(await readFile(join(dataDir, "dev-token.json"), "utf8")) as Record<string, unknown>;
      expect(file.s3).toEqual({ endpoint: handle.url, region: "us-east-1", bucket: "media" });
      expect(await (await fetch(`${handle.url}/.well-known/s3`)).json()).toEqual(file.s3);
    } finally {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  const presign = (url: string, token: string | undefined, body: unknown, origin?: string) =>
    fetch(`${url}/api/media/presign`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) },
      body: JSON.stringify(body),
    });

  it("issue 14: the presign API gives a same-origin PUT URL for a pending store and a GET URL once it is finished", async () => {
    const s = server();
    const grant = await requestUpload(s, T1, { originalFileName: "photo é.png" });
    const put = (await (await presign(s.url, T1, { storeId: grant.store, method: "PUT" }, s.url)).json()) as { url: string; method: string; expiresIn: number };
    expect(put.method).toBe("PUT");
    expect(put.expiresIn).toBe(3600);
    expect(new URL(put.url).origin).toBe(s.url);
    expect(new URL(put.url).pathname).toBe(`/media/${grant.key}`);
    const uploaded = await fetch(put.url, { method: "PUT", body: "browser bytes", headers: { "content-type": "image/png", origin: s.url } });
    expect(uploaded.status).toBe(200);
    // a GET URL finishes the store on first use
    const get = (await (await presign(s.url, T1, { storeId: grant.store, method: "GET" })).json()) as { url: string };
    const downloaded = await fetch(get.url);
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get("content-type")).toBe("image/png");
    expect(downloaded.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''photo%20%C3%A9.png");
    expect(await downloaded.text()).toBe("browser bytes");
    // finished: no more PUT URL
    const again = await presign(s.url, T1, { storeId: grant.store, method: "PUT" });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe("MEDIA_FINISHED");
    await finishUpload(s, T1, grant.store);
  });

  it("issue 14: the presign API needs a token, a store of the caller's organisation and an allowed origin", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    expect((await presign(s.url, undefined, { storeId: grant.store, method: "PUT" })).status).toBe(401);
    const foreign = await presign(s.url, T3, { storeId: grant.store, method: "PUT" });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: string }).error).toContain("not found");
    expect((await presign(s.url, T1, { storeId: grant.store, method: "PUT" }, "http://evil.example")).status).toBe(403);
    expect((await presign(s.url, T1, { storeId: grant.store, method: "DELETE" })).status).toBe(400);
  });
});
