/**
 * Memory benchmark of the embedded server (issue 18 "Memory"): RSS of the server process (the built
 * CLI, `arkitekt-next server`, in a child process as users run it) at start and after every
 * checkpoint of stored tasks, driven by a raw agent (plain ws: ASSIGN -> YIELD + COMPLETED) and 64
 * callers assigning over graphql-ws and following `mytasks` (as bench/server/run.ts does).
 *
 *   npm run build && node --import tsx bench/server/memory.ts [--quick] [--tasks N] [--every N] [--idle S] [--heap]
 *
 * Defaults: --tasks 300000, a checkpoint every 100,000 tasks (--quick: 20,000 tasks, every 5,000).
 * The full run of the target is `--tasks 1000000`. After the last checkpoint the figures are read again
 * once the server has been idle --idle seconds (default 15).
 * --heap attaches the inspector to the server (`--inspect=127.0.0.1:0`) and also prints the V8 heap
 * before and after a full garbage collection at every checkpoint (diagnosis; the inspector costs a
 * few MB of its own, so the RSS target is read from a run without it).
 * BENCH_SERVER_NODE_ARGS adds node flags to the server process (e.g. "--max-semi-space-size=1").
 *
 * Targets: RSS ≤ 150 MB after 100,000 stored tasks; flat from 100,000 to 1,000,000 (the slope per
 * 100,000 tasks is printed; "flat" is read as ≤ 2 MB per 100,000 tasks). bench/server/MEMORY.md holds runs.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type WebSocket from "ws";
import { createGraphQLClient, type GraphQLClient } from "../../src/runtime/transport/index.js";
import { BENCH_TOKENS, ResultRouter, serverUrl, callOnce, implementEcho, openWs, startRawAgent, wsGraphqlClient } from "./harness.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const withHeap = argv.includes("--heap");
function numberFlag(name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer, e.g. ${name} 100000`);
  return value;
}
const total = numberFlag("--tasks", quick ? 20_000 : 300_000);
const every = numberFlag("--every", quick ? 5_000 : 100_000);
const RSS_TARGET_MB = 150;
const FLAT_MB_PER_100K = 2;
const IDLE_MS = numberFlag("--idle", 15) * 1000;

const TOKENS = BENCH_TOKENS;

// ------------------------------------------------------------------------------------------------ server

const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-memory-"));
const tokensFile = join(dataDir, "tokens.json");
writeFileSync(tokensFile, JSON.stringify(TOKENS));
const nodeArgs = [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean), ...(withHeap ? ["--inspect=127.0.0.1:0"] : [])];
const child = spawn(process.execPath, [...nodeArgs, "bin/arkitekt-next.js", "server", "--port", "0", "--data", join(dataDir, "store"), "--tokens", tokensFile], {
  stdio: ["ignore", "pipe", "pipe"],
});
let inspectorUrl: string | undefined;
createInterface({ input: child.stderr! }).on("line", (line) => {
  const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
  if (match) inspectorUrl = match[1];
  else if (!/Debugger|For help, see/.test(line)) process.stderr.write(`server: ${line}\n`);
});
const url = await serverUrl(child);

interface Figures {
  rss: number;
  /** VmHWM: the highest RSS so far. */
  peak: number;
  /** Server CPU (user + sys) so far, ms. */
  cpu: number;
  anon: number;
  file: number;
  heap?: { usedBefore: number; totalBefore: number; usedAfterGc: number; totalAfterGc: number; rssAfterGc: number; external: number; malloced: number };
}

const mb = (kb: number) => kb / 1024;
function procStatus(): { rss: number; peak: number; anon: number; file: number; cpu: number } {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return {
    rss: mb(field("VmRSS")),
    peak: mb(field("VmHWM")),
    anon: mb(field("RssAnon")),
    file: mb(field("RssFile")) + mb(field("RssShmem")),
    cpu: ((Number(stat[11]) + Number(stat[12])) * 1000) / 100,
  };
}

// ------------------------------------------------------------------------------------------------ inspector (--heap)

let inspector: WebSocket | undefined;
let inspectorSeq = 0;
const inspectorWaiters = new Map<number, (result: unknown) => void>();
async function inspect(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  if (!inspector) {
    while (!inspectorUrl) await new Promise((resolve) => setTimeout(resolve, 50));
    inspector = await openWs(inspectorUrl);
    inspector.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) {
        inspectorWaiters.get(message.id)?.(message.error ? { error: message.error } : message.result);
        inspectorWaiters.delete(message.id);
      }
    });
  }
  const id = ++inspectorSeq;
  const answer = new Promise<unknown>((resolve) => inspectorWaiters.set(id, resolve));
  inspector.send(JSON.stringify({ id, method, params }));
  return (await answer) as Record<string, unknown>;
}

async function figures(): Promise<Figures> {
  const status = procStatus();
  if (!withHeap) return status;
  const before = (await inspect("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
  await inspect("HeapProfiler.collectGarbage");
  const after = (await inspect("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
  // outside the JS heap: ArrayBuffers and other external memory, and V8's own malloc'd memory
  const evaluated = (await inspect("Runtime.evaluate", {
    expression: `JSON.stringify({ external: process.memoryUsage().external, malloced: require("v8").getHeapStatistics().malloced_memory })`,
    includeCommandLineAPI: true,
    returnByValue: true,
  })) as { result?: { value?: string } };
  const outside = JSON.parse(evaluated.result?.value ?? "{}") as { external?: number; malloced?: number };
  return {
    ...status,
    heap: {
      usedBefore: before.usedSize / 2 ** 20,
      totalBefore: before.totalSize / 2 ** 20,
      usedAfterGc: after.usedSize / 2 ** 20,
      totalAfterGc: after.totalSize / 2 ** 20,
      rssAfterGc: procStatus().rss,
      external: (outside.external ?? NaN) / 2 ** 20,
      malloced: (outside.malloced ?? NaN) / 2 ** 20,
    },
  };
}

// ------------------------------------------------------------------------------------------------ raw agent

// ------------------------------------------------------------------------------------------------ callers

async function drive(client: GraphQLClient, router: ResultRouter, implementation: string, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < to) await callOnce(client, router, implementation, next++);
    }),
  );
}

// ------------------------------------------------------------------------------------------------ run

const agentHttp = createGraphQLClient({ url: `${url}/graphql`, token: "bench-agent" });
const implementation = await implementEcho(agentHttp);
await agentHttp.close();
const agent = await startRawAgent(url);

const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
await settle();
const rows: Array<{ tasks: number; at: Figures; seconds: number; label?: string }> = [];
const t0 = performance.now();
rows.push({ tasks: 0, at: await figures(), seconds: 0 });

const ws = wsGraphqlClient(`${url.replace("http", "ws")}/graphql`, "bench-caller");
// mytasks through the runtime's own client (its subscriptions go over graphql-ws), as bench/server/run.ts does
const http = createGraphQLClient({ url: `${url}/graphql`, token: "bench-caller" });
const router = new ResultRouter(http);
await router.ready;
for (let done = 0; done < total; ) {
  const to = Math.min(total, done + every);
  await drive(ws, router, implementation, done, to);
  done = to;
  await settle();
  rows.push({ tasks: done, at: await figures(), seconds: (performance.now() - t0) / 1000 });
  process.stderr.write(`${done.toLocaleString("en")} tasks: RSS ${rows.at(-1)!.at.rss.toFixed(1)} MB\n`);
}

// V8's memory reducer shrinks the heap of a process that stopped allocating after some seconds: the same figures once idle
await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
rows.push({ tasks: total, at: await figures(), seconds: (performance.now() - t0) / 1000, label: `${total.toLocaleString("en")}, idle ${IDLE_MS / 1000} s` });

router.stop();
ws.dispose();
await http.close();
agent.close();
inspector?.close();
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
rmSync(dataDir, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------ report

const f1 = (n: number) => n.toFixed(1);
const header = withHeap
  ? [
      "| stored tasks | RSS MB | peak RSS MB | anon / file MB | server CPU µs/task | heap used / total MB | after gc(): heap used / total, RSS MB | external / V8 malloc MB |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
  : ["| stored tasks | RSS MB | peak RSS MB | anon / file MB | server CPU µs/task |", "| ---: | ---: | ---: | ---: | ---: |"];
const lines = [...header];
rows.forEach((row, i) => {
  const { at } = row;
  const previous = rows[i - 1];
  const cpu = previous && row.tasks > previous.tasks ? ((at.cpu - previous.at.cpu) * 1000) / (row.tasks - previous.tasks) : undefined;
  const base = `| ${row.label ?? row.tasks.toLocaleString("en")} | ${f1(at.rss)} | ${f1(at.peak)} | ${f1(at.anon)} / ${f1(at.file)} | ${cpu === undefined ? "" : cpu.toFixed(0)} |`;
  lines.push(at.heap ? `${base} ${f1(at.heap.usedBefore)} / ${f1(at.heap.totalBefore)} | ${f1(at.heap.usedAfterGc)} / ${f1(at.heap.totalAfterGc)}, ${f1(at.heap.rssAfterGc)} | ${f1(at.heap.external)} / ${f1(at.heap.malloced)} |` : base);
});

// the RSS at (or the first checkpoint past) 100,000 tasks, and the slope of RSS over the checkpoints from there on
const checkpoints = rows.filter((row) => !row.label);
const at100k = checkpoints.find((row) => row.tasks >= 100_000);
const tail = checkpoints.filter((row) => row.tasks >= Math.min(100_000, total));
let slope: number | undefined;
if (tail.length >= 2) {
  const n = tail.length;
  const mx = tail.reduce((s, r) => s + r.tasks, 0) / n;
  const my = tail.reduce((s, r) => s + r.at.rss, 0) / n;
  const sxy = tail.reduce((s, r) => s + (r.tasks - mx) * (r.at.rss - my), 0);
  const sxx = tail.reduce((s, r) => s + (r.tasks - mx) ** 2, 0);
  slope = (sxy / sxx) * 100_000;
}
const last = checkpoints.at(-1)!;
lines.push("");
lines.push("| target | figure | |");
lines.push("| --- | --- | --- |");
lines.push(
  at100k
    ? `| RSS ≤ ${RSS_TARGET_MB} MB after 100,000 stored tasks | ${f1(at100k.at.rss)} MB (start ${f1(rows[0]!.at.rss)} MB) | ${at100k.at.rss <= RSS_TARGET_MB ? "met" : "missed"} |`
    : `| RSS ≤ ${RSS_TARGET_MB} MB after 100,000 stored tasks | ${f1(last.at.rss)} MB after ${last.tasks.toLocaleString("en")} (start ${f1(rows[0]!.at.rss)} MB) | not reached (run without --quick) |`,
);
lines.push(
  slope === undefined
    ? `| flat from 100,000 to 1,000,000 (≤ ${FLAT_MB_PER_100K} MB per 100,000 tasks) | needs two checkpoints from 100,000 on | not measured |`
    : `| flat from 100,000 to 1,000,000 (≤ ${FLAT_MB_PER_100K} MB per 100,000 tasks) | slope ${slope >= 0 ? "+" : ""}${slope.toFixed(2)} MB per 100,000 tasks over ${tail[0]!.tasks.toLocaleString("en")}–${last.tasks.toLocaleString("en")} (${f1(tail[0]!.at.rss)} → ${f1(last.at.rss)} MB) | ${slope <= FLAT_MB_PER_100K && tail[0]!.tasks >= 100_000 ? (last.tasks >= 1_000_000 ? "met" : `met up to ${last.tasks.toLocaleString("en")} (run --tasks 1000000 for the full range)`) : tail[0]!.tasks < 100_000 ? "below 100,000 tasks: indicative only" : "missed"} |`,
);
lines.push(`| peak RSS of the run (VmHWM) | ${f1(rows.at(-1)!.at.peak)} MB | |`);
lines.push(`| throughput during the run (for reference) | ${(total / last.seconds).toFixed(0)} tasks/s | |`);
process.stdout.write(`server node args: ${nodeArgs.join(" ") || "(none)"}\n\n${lines.join("\n")}\n`);
