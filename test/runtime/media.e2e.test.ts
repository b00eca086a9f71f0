// Issue 14: File, upload() and download() against the real embedded server (its S3 endpoint and
// media GraphQL operations), in process; the cross-process round trip is test/cli/media-across-processes.test.ts.
import { mkdtempSync as mkdtempRaw, readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { File, MediaError, download, upload, configureMedia } from "../../src/runtime/media/index.js";
import { resetMediaOptions } from "../../src/runtime/media/options.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";
import { RUNTIME_TOKENS } from "../fixtures/runtime/tokens.js";

process.env.AWS_EC2_METADATA_DISABLED = "true";

const made: string[] = [];
const mkdtempSync = (prefix: string) => {
  const dir = mkdtempRaw(prefix);
  made.push(dir);
  return dir;
};

let server: RuntimeServer;
let client: ArkitektClient;
let foreign: ArkitektClient;
const FOREIGN_ORG_TOKEN = "media-foreign-org-token";

beforeAll(async () => {
  server = await startRuntimeServer({
    tokens: { ...RUNTIME_TOKENS, [FOREIGN_ORG_TOKEN]: { ...RUNTIME_TOKENS[OTHER_TOKEN], sub: "99", active_org: "elsewhere" } },
  });
  client = createClient({ url: server.url, token: CALLER_TOKEN, devTokenFile: false });
  foreign = createClient({ url: server.url, token: FOREIGN_ORG_TOKEN, devTokenFile: false });
  configureMedia({ cacheDir: join(mkdtempSync(join(tmpdir(), "arkitekt-media-e2e-")), "cache") });
});

afterAll(async () => {
  resetMediaOptions();
  await client?.close();
  await foreign?.close();
  await server?.close();
  made.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

describe("issue 14: File against the embedded server", () => {
  it("issue 14: upload(bytes) stores a file whose id reads back lazily: size and type from a HEAD, bytes on demand", async () => {
    const file = await upload(new TextEncoder().encode("hello media"), { name: "hello.txt", client });
    expect(file.id).toMatch(/^\S+$/);
    const again = await File.fromId(file.id, { client });
    expect(again.size).toBe(11);
    expect(again.contentType).toBe("text/plain");
    expect(await again.text({ client })).toBe("hello media");
    expect(Buffer.from(await again.bytes({ client })).toString()).toBe("hello media");
  });

  it("issue 14: File.fromPath, fromStream and fromBytes are uploaded once by shrink(), and path() caches the download", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-media-src-"));
    writeFileSync(join(dir, "a.csv"), "x,y\n1,2\n");
    const fromPath = File.fromPath(join(dir, "a.csv"));
    expect(fromPath.uploaded).toBe(false);
    expect(() => fromPath.id).toThrow(MediaError);
    await fromPath.upload({ client });
    const id = fromPath.id;
    expect(await fromPath.shrink()).toBe(id); // once
    const fromStream = File.fromStream(Readable.from([Buffer.from("abc"), Buffer.from("def")]), { name: "s.bin" });
    await fromStream.upload({ client });
    const remote = await File.fromId(fromStream.id, { client });
    expect(remote.size).toBe(6);
    const cached = await remote.path({ client });
    expect(readFileSync(cached, "utf8")).toBe("abcdef");
    expect(await remote.path({ client })).toBe(cached);
    const csv = await File.fromId(id, { client });
    expect(await csv.text({ client })).toBe("x,y\n1,2\n");
  });

  it("issue 14: download() writes a file (into a folder: under its name) through a temporary file", async () => {
    const file = await upload(Buffer.from("0123456789"), { name: "digits.txt", client });
    const out = mkdtempSync(join(tmpdir(), "arkitekt-media-out-"));
    const written = await download(file.id, join(out, "copy.txt"), { client });
    expect(written).toBe(join(out, "copy.txt"));
    expect(readFileSync(written, "utf8")).toBe("0123456789");
    const intoFolder = await download(file, `${out}/`, { client });
    expect(readFileSync(intoFolder, "utf8")).toBe("0123456789");
    expect(readdirSync(out).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  it("issue 14: a multi-part upload (over the part size) round-trips without a whole-file buffer", async () => {
    configureMedia({ partSize: 5 * 1024 * 1024 });
    try {
      const size = 11 * 1024 * 1024 + 123;
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024);
      const source = new Readable({
        read() {
          if (sent >= size) return this.push(null);
          const n = Math.min(chunk.length, size - sent);
          for (let i = 0; i < n; i++) chunk[i] = (sent + i) & 0xff;
          sent += n;
          this.push(Buffer.from(chunk.subarray(0, n)));
        },
      });
      const file = await upload(source, { name: "big.bin", size, client });
      const remote = await File.fromId(file.id, { client });
      expect(remote.size).toBe(size);
      let at = 0;
      let largest = 0;
      let mismatch = -1;
      for await (const part of await remote.stream({ client })) {
        const b = part as Buffer;
        largest = Math.max(largest, b.length);
        for (let i = 0; i < b.length && mismatch < 0; i++) if (b[i] !== ((at + i) & 0xff)) mismatch = at + i;
        at += b.length;
      }
      expect(mismatch).toBe(-1);
      expect(at).toBe(size);
      expect(largest).toBeLessThanOrEqual(5 * 1024 * 1024);
    } finally {
      resetMediaOptions();
    }
  });

  it("issue 14: another organisation cannot read a file (the platform refuses the grant, named in a MediaError)", async () => {
    const file = await upload(Buffer.from("secret"), { name: "s.txt", client });
    const error = await File.fromId(file.id, { client: foreign }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).kind).toBe("REFUSED");
    expect((error as MediaError).message).toContain(`refused to read store ${file.id}`);
  });

  it("issue 14: a stream can be read once; a second read says so", async () => {
    const file = File.fromStream(Readable.from([Buffer.from("once")]), { name: "once.txt" });
    await file.stream();
    await expect(file.stream()).rejects.toThrow(/was already read/);
  });
});
