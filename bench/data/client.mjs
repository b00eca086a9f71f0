// The client side of bench/data (run by bench/data/run.mjs, one child process per measurement
// group; not meant to be run by hand). Two modes:
//
//   client.mjs throughput <url> <token> <workDir> <runs> <file>...   timed transfers, one JSON line each
//   client.mjs rss <url> <token> <workDir> <runtime|raw> <file>       one round trip, RSS before/peak
//
// "runtime" is the package as users import it (dist/: `upload()`, `download()`, `File.stream()`);
// "raw" is @aws-sdk/client-s3 (PutObject, GetObject) and @aws-sdk/lib-storage (`Upload`) with the
// credentials of a grant from requestMediaUpload / requestMediaAccess, fetched with a plain GraphQL
// POST. Both do the same platform work per transfer (grant, transfer, finish for uploads).
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [mode, url, token, workDir, ...rest] = process.argv.slice(2);
const MiB = 1024 * 1024;

const { createClient, upload, download, File } = await import(path.join(root, "dist/src/index.js"));
const client = createClient({ url, token, devTokenFile: false });
const { S3Client, PutObjectCommand, GetObjectCommand } = await import("@aws-sdk/client-s3");
const { Upload } = await import("@aws-sdk/lib-storage");

// ------------------------------------------------------------------------------------------------ raw

async function gql(query, variables) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors[0].message}`);
  return Object.values(body.data)[0];
}
const GRANT = "accessKey secretKey sessionToken region bucket key store";
const requestUpload = (input) => gql(`mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { ${GRANT} } }`, { input });
const finishUpload = (storeId) => gql(`mutation($input: FinishMediaUploadInput!) { finishMediaUpload(input: $input) { id } }`, { input: { storeId, valid: true } });
const requestAccess = (storeId) => gql(`mutation($input: RequestMediaAccessInput!) { requestMediaAccess(input: $input) { ${GRANT} } }`, { input: { storeId } });

const s3 = await (await fetch(`${url}/.well-known/s3`)).json();
/** The S3 client a user of the SDK writes for a grant (the same settings as the runtime's). */
const rawClient = (grant) =>
  new S3Client({
    endpoint: s3.endpoint,
    region: grant.region,
    forcePathStyle: true,
    credentials: { accessKeyId: grant.accessKey, secretAccessKey: grant.secretKey, sessionToken: grant.sessionToken },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

/** Profiling variants (--profile): lib-storage part settings, unsigned part payloads. */
const PROFILE = process.env.BENCH_DATA_PROFILE === "1";
const unsigned = (s3c) =>
  s3c.middlewareStack.add((next) => (args) => {
    args.request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
    return next(args);
  }, { step: "build", name: "benchUnsignedPayload" });

async function rawPut(file, multipart, parts = { partSize: 8 * MiB, queueSize: 4, unsigned: false }) {
  const size = statSync(file).size;
  const grant = await requestUpload({ originalFileName: path.basename(file), fileSize: size, contentType: "application/octet-stream" });
  const s3c = rawClient(grant);
  try {
    const params = { Bucket: grant.bucket, Key: grant.key, Body: createReadStream(file), ContentType: "application/octet-stream" };
    if (parts.unsigned) unsigned(s3c);
    if (multipart) await new Upload({ client: s3c, params, partSize: parts.partSize, queueSize: parts.queueSize }).done();
    else await s3c.send(new PutObjectCommand({ ...params, ContentLength: size }));
  } finally {
    s3c.destroy();
  }
  await finishUpload(grant.store);
  return grant.store;
}

async function rawGet(id, dest, through) {
  const grant = await requestAccess(id);
  const s3c = rawClient(grant);
  try {
    const got = await s3c.send(new GetObjectCommand({ Bucket: grant.bucket, Key: grant.key }));
    const body = through ? got.Body.pipe(new Transform({ transform: (chunk, _e, cb) => cb(null, chunk) })) : got.Body;
    return await (dest ? pipeline(body, createWriteStream(dest)) : consume(body));
  } finally {
    s3c.destroy();
  }
}

async function consume(stream) {
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

// ------------------------------------------------------------------------------------------------ runtime

const runtimeUpload = async (file) => (await upload(file, { client })).id;
const runtimeDownload = async (id, dest) => download(id, dest, { client });
const runtimeStream = async (id) => consume(await (await File.fromId(id, { client })).stream({ client }));

// ------------------------------------------------------------------------------------------------ modes

const UPLOADS = {
  "runtime upload()": runtimeUpload,
  "raw PutObject": (file) => rawPut(file, false),
  "raw lib-storage Upload": (file) => rawPut(file, true),
  ...(PROFILE
    ? {
        "raw Upload, 8 MiB × 4, unsigned parts": (file) => rawPut(file, true, { partSize: 8 * MiB, queueSize: 4, unsigned: true }),
        "raw Upload, 16 MiB × 4": (file) => rawPut(file, true, { partSize: 16 * MiB, queueSize: 4 }),
        "raw Upload, 5 MiB × 1": (file) => rawPut(file, true, { partSize: 5 * MiB, queueSize: 1 }),
      }
    : {}),
};
const DOWNLOADS = {
  "runtime download() to a file": (id, dest) => runtimeDownload(id, dest),
  "raw GetObject to a file": (id, dest) => rawGet(id, dest),
  "runtime File.stream() read": (id) => runtimeStream(id),
  "raw GetObject body read": (id) => rawGet(id, undefined),
  ...(PROFILE
    ? {
        "raw GetObject body through a Transform": (id) => rawGet(id, undefined, true),
      }
    : {}),
};

const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
async function timed(fn) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000 };
}
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

if (mode === "throughput") {
  const [runsText, ...files] = rest;
  const runs = Number(runsText);
  const dest = path.join(workDir, "download.bin");
  // warm-up: every path once on the smallest file (loads the SDK, opens connections, JITs)
  const warm = files.reduce((a, b) => (statSync(a).size <= statSync(b).size ? a : b));
  const warmId = await runtimeUpload(warm);
  for (const fn of Object.values(UPLOADS)) await fn(warm);
  for (const fn of Object.values(DOWNLOADS)) await fn(warmId, dest);
  for (const file of files) {
    const bytes = statSync(file).size;
    for (let run = 0; run < runs; run++) {
      let id;
      for (const [variant, fn] of rotate(Object.entries(UPLOADS), run)) {
        const { value, seconds, cpuMs } = await timed(() => fn(file));
        if (variant.startsWith("runtime")) id = value;
        say({ kind: "upload", variant, bytes, seconds, cpuMs });
      }
      for (const [variant, fn] of rotate(Object.entries(DOWNLOADS), run)) {
        const { seconds, cpuMs } = await timed(() => fn(id, dest));
        if (statSync(dest, { throwIfNoEntry: false })?.size !== undefined && variant.endsWith("to a file")) {
          const got = statSync(dest).size;
          if (got !== bytes) throw new Error(`${variant}: ${got} bytes written, expected ${bytes}`);
          rmSync(dest);
        }
        say({ kind: "download", variant, bytes, seconds, cpuMs });
      }
    }
  }
  await client.close();
} else if (mode === "rss") {
  const [kind, file] = rest;
  const status = () => readFileSync("/proc/self/status", "utf8");
  const kb = (field, text = status()) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)[1]);
  const dest = path.join(workDir, `rss-${kind}.bin`);
  const small = path.join(workDir, `warm-${kind}.bin`);
  writeFileSync(small, Buffer.alloc(64 * 1024, 7));
  const cold = kb("VmRSS");
  // warm-up: a 64 KiB round trip on the same path (loads the SDK and opens the connections)
  const up = kind === "runtime" ? runtimeUpload : (f) => rawPut(f, true);
  const down = kind === "runtime" ? runtimeDownload : rawGet;
  await down(await up(small), dest);
  rmSync(small);
  rmSync(dest);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const idle = kb("VmRSS");
  const lines = createInterface({ input: process.stdin });
  const next = () => new Promise((resolve) => lines.once("line", resolve));
  say({ cold, idle });
  await next(); // "go"
  writeFileSync("/proc/self/clear_refs", "5"); // VmHWM := VmRSS
  let arrayBuffers = 0;
  let heapUsed = 0;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    arrayBuffers = Math.max(arrayBuffers, m.arrayBuffers);
    heapUsed = Math.max(heapUsed, m.heapUsed);
  }, 10);
  const t0 = performance.now();
  const id = await up(file);
  const t1 = performance.now();
  await down(id, dest);
  const t2 = performance.now();
  clearInterval(sample);
  if (statSync(dest).size !== statSync(file).size) throw new Error("the round trip lost bytes");
  rmSync(dest);
  say({ peak: kb("VmHWM"), after: kb("VmRSS"), arrayBuffersPeak: arrayBuffers, heapUsedPeak: heapUsed, uploadSeconds: (t1 - t0) / 1000, downloadSeconds: (t2 - t1) / 1000 });
  await next(); // "exit"
  if (kind === "runtime") await client.close();
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
