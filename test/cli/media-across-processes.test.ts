// Issue 14: the File structure end to end across processes. An app with `(file: File) => File`
// runs under `run dev` (the embedded platform, its S3 endpoint and the agent in child processes);
// this process is the caller: it uploads a multi-MB file as a stream, calls the function, sees
// the agent's transfer progress on the task, and streams the derived file back. The agent's
// modules are recorded to show that the AWS SDK loads only once a File is used.
//
// The file is 200 MiB (MEDIA_E2E_MB overrides): larger than the memory bound, so a whole-file
// buffer anywhere fails the test. CI cost: about 8 s on 2 busy cores and ~800 MB of temporary
// disk (the object, its inversion, the server's parts), removed when the test ends.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { File, upload } from "../../src/runtime/media/index.js";
import { root, startRunDev, type RunDev } from "./run-dev.js";

process.env.AWS_EC2_METADATA_DISABLED = "true";

const MiB = 1024 * 1024;
const MB = Number(process.env.MEDIA_E2E_MB ?? 200);
const SIZE = MB * MiB + 17;
/**
 * What either process may hold in ArrayBuffers above its start while streaming. The agent uploads
 * a stream of unknown size as a multipart upload: 4 parts of 8 MiB in flight plus their copies and
 * what the garbage collector has not freed yet (measured: 95-105 MB for 64 MiB and for 200 MiB
 * files alike, so it does not grow with the file). The caller's upload has a known size and goes
 * as one streamed PutObject (measured: 34 MiB at 200 MiB, most of it garbage not yet collected).
 */
const MEMORY_BOUND = 160 * MiB;

const APP_SOURCE = `
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { File, context, register, type Int } from "arkitekt-next";

/** Adds two numbers (uses no File). */
export const add = register(function add(a: Int, b: Int): Int {
  return a + b;
});

/**
 * Inverts every byte of a file: the derived file streams out while the argument streams in.
 * @param file The file to invert
 */
export const invert = register(async function invert(file: File): Promise<File> {
  const start = process.memoryUsage().arrayBuffers;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
  try {
    const flip = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const out = Buffer.allocUnsafe(chunk.length);
        for (let i = 0; i < chunk.length; i++) out[i] = chunk[i]! ^ 0xff;
        callback(null, out);
      },
    });
    const input = await file.stream();
    const done = pipeline(input, flip);
    const derived = File.fromStream(flip, { name: "inverted-" + file.name });
    await Promise.all([derived.upload(), done]);
    context().log("peak arrayBuffers above start: " + (peak - start));
    return derived;
  } finally {
    clearInterval(timer);
  }
});
`;

function makeApp(): string {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-media-app-"));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "arkitekt-next"), "dir");
  symlinkSync(join(root, "node_modules", "typescript"), join(dir, "node_modules", "typescript"), "dir");
  symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "media-e2e", type: "module", private: true, dependencies: { "arkitekt-next": "*" } }));
  writeFileSync(join(dir, "arkitekt.json"), JSON.stringify({ identifier: "media-e2e", version: "1.0.0" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: ["node"] },
      include: ["src/**/*.ts", "generated/**/*.ts"],
    }),
  );
  writeFileSync(join(dir, "src", "app.ts"), APP_SOURCE);
  return dir;
}

/** Byte `i` of the test file. */
const pattern = (i: number) => (i * 7 + (i >> 12)) & 0xff;

function patternStream(size: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(256 * 1024, size - sent);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) chunk[i] = pattern(sent + i);
      sent += n;
      this.push(chunk);
    },
  });
}

/** Samples this process's ArrayBuffer memory until stopped; returns the peak above the start. */
function sampleMemory(): () => number {
  const start = process.memoryUsage().arrayBuffers;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    return peak - start;
  };
}

describe("issue 14: File across processes", () => {
  let appDir: string;
  let runDev: RunDev;
  let client: ArkitektClient;
  let imports: string;
  const loaded = () => readFileSync(imports, "utf8");

  beforeAll(async () => {
    appDir = makeApp();
    imports = join(appDir, "imports.txt");
    writeFileSync(imports, "");
    const previous = { NODE_OPTIONS: process.env.NODE_OPTIONS, RECORD_IMPORTS: process.env.RECORD_IMPORTS };
    process.env.NODE_OPTIONS = `${previous.NODE_OPTIONS ?? ""} --import ${join(root, "test/fixtures/cli/record-imports.mjs")}`.trim();
    process.env.RECORD_IMPORTS = imports;
    try {
      runDev = await startRunDev("arkitekt-media-e2e-", { cwd: appDir });
    } finally {
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    const { url, token } = JSON.parse(readFileSync(join(runDev.dataDir, "dev-token.json"), "utf8")) as { url: string; token: string };
    client = createClient({ url, token, devTokenFile: false });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await runDev?.stop();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it("issue 14: an agent that uses no File never loads the AWS SDK", async () => {
    await expect(client.call({ app: "media-e2e", key: "add" }, { a: 2, b: 3 })).resolves.toEqual({ return0: 5 });
    expect(loaded()).toContain("/src/runtime/caller/client.js"); // the recorder sees the app process
    expect(loaded()).not.toMatch(/@aws-sdk\/(client-s3|lib-storage)/);
  }, 60_000);

  it("issue 14: a multi-MB file streams to an agent in another process, which returns a derived file, with progress on the task and bounded memory", async () => {
    const uploadMemory = sampleMemory();
    const file = await upload(patternStream(SIZE), { name: "pattern.bin", size: SIZE, client });
    const callerUploadPeak = uploadMemory();

    const progress: Array<{ percent: number | undefined; message: string | undefined }> = [];
    const logs: string[] = [];
    const { return0 } = await client.call<Record<string, unknown>, { return0: { __identifier: string; object: string } }>(
      { app: "media-e2e", key: "invert" },
      { file: { __identifier: "@arkitekt/file", object: file.id } },
      { onProgress: (percent, message) => progress.push({ percent, message }), onLog: (message) => logs.push(message) },
    );
    expect(return0.__identifier).toBe("@arkitekt/file");
    expect(return0.object).not.toBe(file.id);
    // Now the SDK is loaded: the recorder would have seen it above.
    expect(loaded()).toMatch(/@aws-sdk\/client-s3/);
    expect(loaded()).toMatch(/@aws-sdk\/lib-storage/);

    // the agent reported its download of the argument in whole percents up to 100, and its upload
    const downloads = progress.filter((p) => p.message?.includes("downloaded"));
    expect(downloads.length).toBeGreaterThan(10);
    expect(downloads.at(-1)).toMatchObject({ percent: 100, message: expect.stringMatching(new RegExp(`^\\S+: ${MB}\\.0 MiB of ${MB}\\.0 MiB downloaded$`)) });
    expect(progress.some((p) => p.message?.startsWith("inverted-") && p.message.endsWith("uploaded"))).toBe(true);

    // the derived file, streamed back: every byte inverted, no chunk larger than a part
    const derived = await File.fromId(return0.object, { client });
    expect(derived.size).toBe(SIZE);
    const downloadMemory = sampleMemory();
    let at = 0;
    let largest = 0;
    let wrong = -1;
    for await (const chunk of await derived.stream({ client })) {
      const b = chunk as Buffer;
      largest = Math.max(largest, b.length);
      if (wrong < 0) for (let i = 0; i < b.length; i++) if (b[i] !== (pattern(at + i) ^ 0xff)) { wrong = at + i; break; }
      at += b.length;
    }
    const callerDownloadPeak = downloadMemory();
    expect(wrong).toBe(-1);
    expect(at).toBe(SIZE);
    expect(largest).toBeLessThanOrEqual(8 * MiB);

    const agentPeak = Number(/peak arrayBuffers above start: (\d+)/.exec(logs.join("\n"))?.[1]);
    expect(agentPeak).toBeGreaterThan(0);
    process.stdout.write(`[media e2e] ${SIZE} bytes: caller upload peak ${callerUploadPeak}, caller download peak ${callerDownloadPeak}, agent peak ${agentPeak} (arrayBuffers above start)\n`);
    expect(callerUploadPeak).toBeLessThan(MEMORY_BOUND);
    expect(callerDownloadPeak).toBeLessThan(MEMORY_BOUND);
    expect(agentPeak).toBeLessThan(MEMORY_BOUND);
  }, 120_000);
});
