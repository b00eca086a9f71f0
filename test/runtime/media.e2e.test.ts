// Issue 14: File, upload() and download() against the real embedded server (its S3 endpoint and
// media GraphQL operations), in process; the cross-process round trip is test/cli/media-across-processes.test.ts.
import { mkdtempSync as mkdtempRaw, readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

  it("issue 14: download() into a folder writes a file whose stored name is longer than a file name may be (cut, extension kept; review r2)", async () => {
    const file = await upload(Buffer.from("long"), { name: `${"n".repeat(300)}.txt`, client });
    const out = mkdtempSync(join(tmpdir(), "arkitekt-media-long-"));
    const written = await download(file.id, `${out}/`, { client });
    expect(readFileSync(written, "utf8")).toBe("long");
    expect(Buffer.byteLength(written.slice(out.length + 1))).toBeLessThanOrEqual(200);
    expect(written.endsWith(".txt")).toBe(true);
    expect(readdirSync(out)).toHaveLength(1);
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
      // No size given: a stream of unknown size goes as a multipart upload.
      const file = await upload(source, { name: "big.bin", client });
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

/**
 * A real HTTP hop in front of the embedded server that writes down every request (method, path
 * and query; for GraphQL the operation) and can cut the connection of the next object PUT. It
 * forwards the Host header unchanged, so SigV4 signatures still verify.
 */
interface Recorder {
  url: string;
  log: string[];
  failNextPut: boolean;
  close(): Promise<void>;
}

async function recorder(target: string): Promise<Recorder> {
  const upstream = new URL(target);
  const state = { log: [] as string[], failNextPut: false };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (req.method === "PUT" && state.failNextPut && !path.includes("partNumber")) {
      state.failNextPut = false;
      state.log.push(`PUT ${path.split("?")[0]!.split("/").slice(0, 2).join("/")}/<key> (cut)`);
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.on("data", (chunk: Buffer) => {
      if (path.startsWith("/graphql")) chunks.push(chunk);
    });
    req.on("end", () => {
      if (path.startsWith("/graphql")) {
        const op = /\b(requestMediaUpload|finishMediaUpload|requestMediaAccess)\b/.exec(Buffer.concat(chunks).toString())?.[1];
        if (op) state.log.push(op);
      }
    });
    if (!path.startsWith("/graphql")) {
      // `/media/<key>?uploads` → `PUT /media/<key>?uploads` with the key replaced (random per store).
      // The SDK's `x-id=<Command>` query parameter is left out.
      const [pathname, rawQuery] = path.split("?");
      const query = rawQuery?.split("&").filter((p) => !p.startsWith("x-id=")).join("&");
      state.log.push(`${req.method} ${pathname!.split("/").slice(0, 2).join("/")}/<key>${query ? `?${query.replace(/=[^&]*/g, "=")}` : ""}`);
    }
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get log() {
      return state.log;
    },
    set log(value) {
      state.log = value;
    },
    get failNextPut() {
      return state.failNextPut;
    },
    set failNextPut(value) {
      state.failNextPut = value;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A stream of `size` bytes whose byte i is `i & 0xff`, made 64 KiB at a time. */
function counting(size: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(64 * 1024, size - sent);
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) & 0xff;
      sent += n;
      this.push(chunk);
    },
  });
}

describe("issue 14: uploads as one PUT or multipart; downloads with one grant and one GET", () => {
  let hop: Recorder;
  let viaHop: ArkitektClient;
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    hop = await recorder(server.url);
    viaHop = createClient({ url: hop.url, token: CALLER_TOKEN, devTokenFile: false, s3Url: hop.url });
  });

  afterAll(async () => {
    resetMediaOptions();
    await viaHop?.close();
    await hop?.close();
  });

  it("issue 14: an upload of known size goes as one PutObject, one of unknown size (or above singlePutMaxBytes) as a multipart upload", async () => {
    configureMedia({ partSize: 5 * MiB });
    try {
      const size = 6 * MiB + 7;
      hop.log = [];
      const known = await upload(counting(size), { name: "known.bin", size, client: viaHop });
      expect(hop.log).toEqual(["requestMediaUpload", "PUT /media/<key>", "finishMediaUpload"]);

      hop.log = [];
      const unknown = await upload(counting(size), { name: "unknown.bin", client: viaHop });
      expect(hop.log).toEqual([
        "requestMediaUpload",
        "POST /media/<key>?uploads=",
        "PUT /media/<key>?partNumber=&uploadId=",
        "PUT /media/<key>?partNumber=&uploadId=",
        "POST /media/<key>?uploadId=",
        "finishMediaUpload",
      ]);

      configureMedia({ singlePutMaxBytes: 5 * MiB });
      hop.log = [];
      const above = await upload(counting(size), { name: "above.bin", size, client: viaHop });
      expect(hop.log.filter((line) => line.includes("?uploads"))).toHaveLength(1);

      for (const file of [known, unknown, above]) {
        const remote = await File.fromId(file.id, { client });
        expect(remote.size).toBe(size);
        let at = 0;
        let mismatch = -1;
        for await (const part of await remote.stream({ client })) {
          const b = part as Buffer;
          for (let i = 0; i < b.length && mismatch < 0; i++) if (b[i] !== ((at + i) & 0xff)) mismatch = at + i;
          at += b.length;
        }
        expect(mismatch).toBe(-1);
        expect(at).toBe(size);
      }
    } finally {
      resetMediaOptions();
    }
  });

  it("issue 14: singlePutMaxBytes is at most 5 GiB (S3's limit for one PUT)", () => {
    expect(() => configureMedia({ singlePutMaxBytes: 5 * 1024 * MiB + 1 })).toThrow(/at most 5368709120/);
    expect(() => configureMedia({ singlePutMaxBytes: -1 })).toThrow(MediaError);
    resetMediaOptions();
  });

  it("issue 14: a stream that brings fewer bytes than its given size fails the upload (it does not hang) and discards the store", async () => {
    hop.log = [];
    const error = await upload(counting(1000), { name: "short.bin", size: 2000, client: viaHop }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toMatch(/ended after 1000 of the 2000 bytes|could not upload/);
    expect(hop.log.at(-1)).toBe("finishMediaUpload");
  });

  it("issue 14: a single PUT from a path cut mid-way is sent again from the reopened file; a caller's stream fails with the error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-media-retry-"));
    const path = join(dir, "retry.bin");
    writeFileSync(path, Buffer.alloc(256 * 1024, 3));
    hop.log = [];
    hop.failNextPut = true;
    const file = await upload(path, { client: viaHop });
    expect(hop.log).toEqual(["requestMediaUpload", "PUT /media/<key> (cut)", "PUT /media/<key>", "finishMediaUpload"]);
    expect((await (await File.fromId(file.id, { client })).bytes({ client })).length).toBe(256 * 1024);

    hop.log = [];
    hop.failNextPut = true;
    const error = await upload(counting(256 * 1024), { name: "s.bin", size: 256 * 1024, client: viaHop }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).kind).toBe("TRANSFER");
    expect(hop.log).toEqual(["requestMediaUpload", "PUT /media/<key> (cut)", "finishMediaUpload"]);
  });

  it("issue 14: download(id) asks for one read grant and sends one GET (no HEAD), naming the file from the GET's headers", async () => {
    const file = await upload(Buffer.from("named by the GET"), { name: "from-get.txt", client });
    const out = mkdtempSync(join(tmpdir(), "arkitekt-media-get-"));
    hop.log = [];
    const written = await download(file.id, `${out}/`, { client: viaHop });
    expect(hop.log).toEqual(["requestMediaAccess", "GET /media/<key>"]);
    expect(readFileSync(written, "utf8")).toBe("named by the GET");
    // The same name as a HEAD gives (File.fromId).
    expect(written).toBe(join(out, (await File.fromId(file.id, { client })).name));
  });

  it("issue 14: a File read with its own client passed reuses its read grant", async () => {
    const file = await upload(Buffer.from("grant once"), { name: "g.txt", client });
    hop.log = [];
    const remote = await File.fromId(file.id, { client: viaHop });
    expect(await remote.text({ client: viaHop })).toBe("grant once");
    expect(await remote.text({ client: viaHop })).toBe("grant once");
    expect(hop.log).toEqual(["requestMediaAccess", "HEAD /media/<key>", "GET /media/<key>", "GET /media/<key>"]);
  });
});
