// Benchmark (not a test) of issue 14's media store: upload and download throughput through the
// runtime (`upload()`, `download()`, `File.stream()` of the built package) against the raw S3
// client (@aws-sdk/client-s3 PutObject / GetObject, @aws-sdk/lib-storage Upload, with the grant's
// credentials) on the same embedded server in the same run; and the peak RSS of the server process
// and of the client process during a 200 MiB round trip (upload then download to a file), above
// each one's idle RSS. Issue 14 targets: runtime >= 80% of raw for 10 MiB and 200 MiB objects;
// peak <= 150 MB above idle for both processes.
//
// The server is the built CLI (`arkitekt-next server --port 0`) in its own process; every client
// runs in its own child process (bench/data/client.mjs). Throughput: after a warm-up of every path,
// --runs rounds; in each, the variants run one after the other in a rotated order, uploads of the
// same source file first, then downloads of the runtime's upload. RSS: a fresh server and a fresh
// client per measurement; "idle" is the RSS after a 64 KiB warm-up round trip on the same path
// (the SDK loaded, connections open); "peak" is VmHWM after resetting it (/proc/<pid>/clear_refs)
// at the start of the round trip.
//
// Usage: node bench/data/run.mjs [--runs N] [--rss-runs N] [--sizes 10,200] [--no-build] [--write] [--profile]
//   --sizes  object sizes in MiB (default 10,200); --runs rounds per size (default 5)
//   --write  writes bench/data/RESULTS.md
//   --profile  throughput only, with extra raw variants (lib-storage part size and queue size,
//              unsigned part payloads, a pass-through Transform on the download body)
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const runs = Number(option("--runs", "5"));
const rssRuns = Number(option("--rss-runs", "2"));
const sizes = option("--sizes", "10,200").split(",").map(Number);
const profile = argv.includes("--profile");
const MiB = 1024 * 1024;
if (!argv.includes("--no-build")) {
  const built = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  if (built.status !== 0) throw new Error("npm run build failed");
}

const TOKEN = "bench-data";
const tmp = mkdtempSync(path.join(os.tmpdir(), "ark-bench-data-"));
const children = new Set();
const cleanup = () => {
  for (const child of children) child.kill();
  rmSync(tmp, { recursive: true, force: true });
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));
writeFileSync(path.join(tmp, "tokens.json"), JSON.stringify({ [TOKEN]: { sub: "bench", client_id: "bench-data", active_org: "bench", client_app: "bench-data", client_release: "1.0.0" } }));

/** A file of `mib` MiB of random bytes (not compressible), written in 1 MiB pieces. */
function sourceFile(mib) {
  const file = path.join(tmp, `source-${mib}MiB.bin`);
  const fd = openSync(file, "w");
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) writeSync(fd, randomFillSync(block));
  closeSync(fd);
  return file;
}

const kbOf = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const mb = (kb) => kb / 1024;

let serverCount = 0;
async function startServer() {
  const data = path.join(tmp, `server-${serverCount++}`);
  const child = spawn(process.execPath, [path.join(root, "bin/arkitekt-next.js"), "server", "--port", "0", "--data", data, "--tokens", path.join(tmp, "tokens.json")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /GraphQL\s+(http:\/\/[^/\s]+)\/graphql/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  return {
    url,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      children.delete(child);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

function startClient(args) {
  const env = { ...process.env, ...(profile ? { BENCH_DATA_PROFILE: "1" } : {}) };
  const child = spawn(process.execPath, [path.join(root, "bench/data/client.mjs"), ...args], { stdio: ["pipe", "pipe", "inherit"], cwd: tmp, env });
  children.add(child);
  const lines = createInterface({ input: child.stdout });
  const queue = [];
  const waiting = [];
  lines.on("line", (line) => (waiting.length ? waiting.shift()(JSON.parse(line)) : queue.push(JSON.parse(line))));
  const exited = new Promise((resolve, reject) =>
    child.once("exit", (code) => {
      children.delete(child);
      code === 0 ? resolve() : reject(new Error(`bench/data/client.mjs ${args[0]} exited ${code}`));
    }),
  );
  return {
    pid: child.pid,
    exited,
    lines: async function* () {
      for (;;) {
        if (queue.length) yield queue.shift();
        else {
          const line = await Promise.race([new Promise((resolve) => waiting.push(resolve)), exited.then(() => null)]);
          if (line === null) return;
          yield line;
        }
      }
    },
    next: () => (queue.length ? Promise.resolve(queue.shift()) : Promise.race([new Promise((resolve) => waiting.push(resolve)), exited.then(() => { throw new Error("the client exited early"); })])),
    send: (text) => child.stdin.write(`${text}\n`),
  };
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ------------------------------------------------------------------------------------------------ throughput

const files = sizes.map(sourceFile);
const load = [];
load.push(os.loadavg()[0]);
const server = await startServer();
const samples = new Map(); // `${kind}|${variant}|${bytes}` -> MB/s list
const cpu = new Map(); // same key -> client CPU ms per MB
const throughput = startClient(["throughput", server.url, TOKEN, tmp, String(runs), ...files]);
for await (const r of throughput.lines()) {
  const key = `${r.kind}|${r.variant}|${r.bytes}`;
  if (!samples.has(key)) samples.set(key, []);
  samples.get(key).push(r.bytes / 1e6 / r.seconds);
  if (!cpu.has(key)) cpu.set(key, []);
  cpu.get(key).push(r.cpuMs / (r.bytes / 1e6));
  process.stderr.write(`  ${r.kind} ${(r.bytes / MiB).toFixed(0)} MiB ${r.variant}: ${(r.bytes / 1e6 / r.seconds).toFixed(0)} MB/s\n`);
}
await throughput.exited;
await server.stop();
load.push(os.loadavg()[0]);
if (profile) {
  console.log("\n| transfer | median MB/s | runs | client CPU ms/MB |\n| --- | ---: | --- | ---: |");
  for (const [key, values] of samples) {
    const [kind, variant, bytes] = key.split("|");
    console.log(`| ${kind} ${Number(bytes) / MiB} MiB, ${variant} | ${median(values).toFixed(0)} | ${values.map((v) => v.toFixed(0)).join(", ")} | ${median(cpu.get(key)).toFixed(2)} |`);
  }
  process.exit(0);
}

// ------------------------------------------------------------------------------------------------ RSS

const bigFile = files[sizes.indexOf(Math.max(...sizes))];
const rss = { runtime: [], raw: [] };
for (let run = 0; run < rssRuns; run++) {
  for (const kind of run % 2 ? ["raw", "runtime"] : ["runtime", "raw"]) {
    const s = await startServer();
    const c = startClient(["rss", s.url, TOKEN, tmp, kind, bigFile]);
    const { cold, idle } = await c.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const serverIdle = kbOf(s.pid, "VmRSS");
    writeFileSync(`/proc/${s.pid}/clear_refs`, "5");
    c.send("go");
    const result = await c.next();
    const serverPeak = kbOf(s.pid, "VmHWM");
    c.send("exit");
    await c.exited;
    await s.stop();
    rss[kind].push({ clientCold: cold, clientIdle: idle, clientPeak: result.peak, serverIdle, serverPeak, ...result });
    process.stderr.write(`  RSS ${kind}: client idle ${mb(idle).toFixed(0)} MB peak ${mb(result.peak).toFixed(0)} MB; server idle ${mb(serverIdle).toFixed(0)} MB peak ${mb(serverPeak).toFixed(0)} MB\n`);
  }
}
load.push(os.loadavg()[0]);

// ------------------------------------------------------------------------------------------------ report

const fmt = (v) => v.toFixed(0);
const list = (values) => values.map(fmt).join(", ");
const rows = [];
const ratios = [];
const groups = [
  { kind: "upload", runtime: ["runtime upload()"], raw: ["raw PutObject", "raw lib-storage Upload"] },
  { kind: "download", runtime: ["runtime download() to a file"], raw: ["raw GetObject to a file"] },
  { kind: "download", runtime: ["runtime File.stream() read"], raw: ["raw GetObject body read"] },
];
for (const [i, mib] of sizes.entries()) {
  const bytes = statSync(files[i]).size;
  for (const group of groups) {
    const med = (variant) => median(samples.get(`${group.kind}|${variant}|${bytes}`));
    const rawBest = Math.max(...group.raw.map(med));
    for (const variant of [...group.raw, ...group.runtime]) {
      const values = samples.get(`${group.kind}|${variant}|${bytes}`);
      const isRuntime = group.runtime.includes(variant);
      const ratio = isRuntime ? med(variant) / rawBest : undefined;
      if (ratio !== undefined) ratios.push({ mib, variant, ratio });
      const cpuPerMb = median(cpu.get(`${group.kind}|${variant}|${bytes}`));
      rows.push(`| ${mib} MiB | ${variant} | ${isRuntime ? "**" : ""}${fmt(med(variant))}${isRuntime ? "**" : ""} | ${list(values)} | ${ratio === undefined ? "" : `**${Math.round(ratio * 100)} %**`} | ${cpuPerMb.toFixed(2)} |`);
    }
  }
}
const throughputTable = [
  "| size | path | median MB/s | runs (MB/s) | runtime / best raw | client CPU ms per MB (median) |",
  "| --- | --- | ---: | --- | ---: | ---: |",
  ...rows,
].join("\n");

const rssRow = (kind, who) => {
  const list = rss[kind];
  const above = list.map((r) => mb(r[`${who}Peak`] - r[`${who}Idle`]));
  const idle = median(list.map((r) => mb(r[`${who}Idle`])));
  const peak = median(list.map((r) => mb(r[`${who}Peak`])));
  return `| ${who} process, ${kind} client | ${fmt(idle)} MB | ${fmt(peak)} MB | **${fmt(Math.max(...above))} MB** (${list.length > 1 ? `runs ${above.map(fmt).join(", ")}` : "1 run"}) |`;
};
const extra = (kind) => {
  const list = rss[kind];
  return `${kind}: client cold start ${fmt(median(list.map((r) => mb(r.clientCold))))} MB, ArrayBuffer peak ${fmt(Math.max(...list.map((r) => r.arrayBuffersPeak / MiB)))} MiB, heap peak ${fmt(Math.max(...list.map((r) => r.heapUsedPeak / MiB)))} MiB, round trip ${list.map((r) => `${r.uploadSeconds.toFixed(1)} s up + ${r.downloadSeconds.toFixed(1)} s down`).join("; ")}`;
};
const bigMiB = Math.max(...sizes);
const rssTable = [
  `| during a ${bigMiB} MiB round trip | idle RSS (median) | peak RSS (median) | peak above idle (worst) |`,
  "| --- | ---: | ---: | ---: |",
  rssRow("runtime", "server"),
  rssRow("runtime", "client"),
  rssRow("raw", "server"),
  rssRow("raw", "client"),
].join("\n");

const cpus = os.cpus();
const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
const machine = `Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, tmpdir ${os.tmpdir()}; load average (1 min) ${load.map((l) => l.toFixed(1)).join(" → ")} (start → after throughput → end)`;
console.log(`\n${machine}\n\n${throughputTable}\n\n${rssTable}\n\n${extra("runtime")}\n${extra("raw")}\n`);

if (argv.includes("--write")) {
  const date = new Date().toISOString().replace("T", " ").slice(0, 16);
  const command = `node bench/data/run.mjs${runs !== 5 ? ` --runs ${runs}` : ""}${rssRuns !== 2 ? ` --rss-runs ${rssRuns}` : ""}${option("--sizes") ? ` --sizes ${option("--sizes")}` : ""} --write`;
  writeFileSync(
    path.join(root, "bench/data/RESULTS.md"),
    [
      "# bench/data: the media store through the runtime vs the raw S3 client (issue 14)",
      "",
      `Command: \`npm run build && ${command}\` (at commit ${commit}, ${date} UTC).`,
      "",
      `Machine: ${machine}.`,
      "",
      "Server: the built CLI `arkitekt-next server --port 0` in its own process; each client in its own",
      "child process (`bench/data/client.mjs`). Objects are random bytes read from a file in the page",
      "cache. MB/s = 10^6 bytes per second of the whole operation: uploads include requestMediaUpload",
      "and finishMediaUpload, downloads requestMediaAccess (`File.stream()` read: also the HEAD of",
      "`File.fromId`; `download(id)` needs none). `upload()` of a file (known size ≤ `singlePutMaxBytes`,",
      "1 GiB) is one streamed PutObject, like raw PutObject. Raw clients use the runtime's S3 settings",
      "(path style, checksums when required); raw lib-storage `Upload` uses the runtime's multipart",
      "settings (8 MiB parts × 4 in flight; the RSS rows' raw client uploads with it). The ratio compares the",
      "runtime's median with the best raw median of the same row group. Client CPU = user + system time",
      "of the client process per MB (steadier than wall time on a loaded machine; the server's CPU is",
      "not in it).",
      "",
      "## Throughput",
      "",
      throughputTable,
      "",
      "## Peak RSS",
      "",
      "Fresh server and client per measurement; idle = RSS after a 64 KiB warm-up round trip on the same",
      "path; peak = VmHWM reset at the start of the round trip (upload of the file, then download to a",
      "file).",
      "",
      rssTable,
      "",
      `- ${extra("runtime")}`,
      `- ${extra("raw")}`,
      "",
    ].join("\n"),
  );
  console.log("wrote bench/data/RESULTS.md");
}
