/**
 * Benchmark of the embedded server (issue 5). The server runs in a child process; this process runs
 * a minimal raw agent (plain ws: ASSIGN -> YIELD + COMPLETED) and a caller using the generated
 * client (`generated/api/rekuest.ts`), over HTTP (the runtime transport) and over the already open
 * graphql-ws socket. Durability on: every report is committed to SQLite (WAL) before it is acked.
 *
 *   npm run build && node --import tsx bench/server/run.ts [--quick]
 *
 * Prints a markdown table with issue 18's targets beside the same run's floors (a plain `ws` echo
 * server, plain better-sqlite3 inserts with the store's pragmas) and says which are met; RESULTS.md
 * holds recorded runs. `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` profiles the server.
 */
import { spawn } from "node:child_process";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { createGraphQLClient, type GraphQLClient, type GraphQLOperation } from "../../src/runtime/transport/index.js";
import { floorRows, setUpCore } from "./floor.js";
import { BENCH_TOKENS, ResultRouter, processCpuMs, serverUrl, callOnce, implementEcho, openWs, startRawAgent, wsGraphqlClient } from "./harness.js";

const quick = process.argv.includes("--quick");
const TOKENS = BENCH_TOKENS;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

// ------------------------------------------------------------------------------------------------ server

const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-server-"));
const tokensFile = join(dataDir, "tokens.json");
writeFileSync(tokensFile, JSON.stringify(TOKENS));
// the server as users run it: the built CLI (`npm run build` first), in its own process
const child = spawn(
  process.execPath,
  [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean), "bin/arkitekt-next.js", "server", "--port", "0", "--data", join(dataDir, "store"), "--tokens", tokensFile],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const url = await serverUrl(child);
// the floor: a plain ws echo server, also in its own process
const echoChild = spawn(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    `import { WebSocketServer } from "ws"; const s = new WebSocketServer({ host: "127.0.0.1", port: 0 }); s.on("connection", (ws) => ws.on("message", (d, b) => ws.send(d, { binary: b }))); s.on("listening", () => console.log(s.address().port));`,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const echo = await new Promise<string>((resolve) => createInterface({ input: echoChild.stdout! }).once("line", (line) => resolve(`ws://127.0.0.1:${line.trim()}`)));
const rssMb = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};

// ------------------------------------------------------------------------------------------------ floor: ws echo

async function echoBaseline(): Promise<{ p50: number; p99: number; perSecond: number }> {
  const ws = await openWs(echo);
  const rounds = quick ? 2000 : 10000;
  const times: number[] = [];
  for (let i = 0; i < rounds + 500; i++) {
    const t0 = performance.now();
    ws.send('{"type":"PING","n":1}');
    await new Promise((resolve) => ws.once("message", resolve));
    if (i >= 500) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const total = quick ? 50_000 : 200_000;
  let received = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    ws.on("message", () => {
      if (++received === total) resolve();
    });
    const burst = () => {
      for (let i = 0; i < 1000; i++) ws.send('{"type":"PING","n":1}');
      if (received + 1000 < total && ws.bufferedAmount < 1 << 20) setImmediate(burst);
      else if (received < total) setImmediate(burst);
    };
    let sent = 0;
    const pump = () => {
      while (sent < total && sent - received < 4096) {
        ws.send('{"type":"PING","n":1}');
        sent++;
      }
      if (sent < total) setImmediate(pump);
    };
    void burst;
    pump();
  });
  const perSecond = total / ((performance.now() - t0) / 1000);
  ws.close();
  return { p50: percentile(times, 50), p99: percentile(times, 99), perSecond };
}

// ------------------------------------------------------------------------------------------------ floor: SQLite

/**
 * Plain better-sqlite3 with the store's pragmas (WAL, synchronous NORMAL, exclusive lock): rows shaped
 * like a task (with its two events) inserted in transactions of 64, as the server's group commit
 * batches them. The floor of what a durable task can cost in SQL.
 */
function sqliteFloor(): { rowsPerSecond: number; usPerTask: number } {
  const db = new Database(join(dataDir, "floor.sqlite"));
  db.pragma("locking_mode = EXCLUSIVE");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE task (id INTEGER PRIMARY KEY, org TEXT, reference TEXT, args TEXT, created_at INTEGER)");
  db.exec("CREATE TABLE event (id INTEGER PRIMARY KEY, task_id INTEGER, kind TEXT, returns TEXT, created_at INTEGER)");
  const task = db.prepare("INSERT INTO task (org, reference, args, created_at) VALUES (?, ?, ?, ?)");
  const event = db.prepare("INSERT INTO event (task_id, kind, returns, created_at) VALUES (?, ?, ?, ?)");
  const group = db.transaction((from: number) => {
    for (let i = from; i < from + 64; i++) {
      const id = Number(task.run("bench", randomUUID(), `{"x":${i}}`, Date.now()).lastInsertRowid);
      event.run(id, "YIELD", `{"return0":${i}}`, Date.now());
      event.run(id, "COMPLETED", null, Date.now());
    }
  });
  const tasks = quick ? 64 * 500 : 64 * 2000;
  const t0 = performance.now();
  for (let from = 0; from < tasks; from += 64) group(from);
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return { rowsPerSecond: (tasks * 3) / seconds, usPerTask: (seconds * 1e6) / tasks };
}

/**
 * The floor of the one-caller latency: a task's path without GraphQL, the agent protocol or the
 * server's bookkeeping. In this process, on a store of the server's schema: the task row committed,
 * one ws echo round trip (the ASSIGN to the agent and its report), the YIELD and COMPLETED events
 * committed, one ws echo round trip (the result to the caller, and its next assign).
 */
async function oneTaskFloor(): Promise<{ p50: number; p99: number }> {
  const setup = setUpCore();
  const rows = floorRows(setup);
  const ws = await openWs(echo);
  const roundTrip = () =>
    new Promise((resolve) => {
      ws.once("message", resolve);
      ws.send('{"type":"PING","n":1}');
    });
  const warm = quick ? 200 : 500;
  const rounds = quick ? 1000 : 3000;
  const times: number[] = [];
  for (let x = 0; x < warm + rounds; x++) {
    const t0 = performance.now();
    rows.db.exec("BEGIN");
    const id = rows.task(x);
    rows.db.exec("COMMIT");
    await roundTrip();
    rows.db.exec("BEGIN");
    rows.events(id, x);
    rows.db.exec("COMMIT");
    await roundTrip();
    if (x >= warm) times.push(performance.now() - t0);
  }
  ws.close();
  setup.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

// ------------------------------------------------------------------------------------------------ raw agent

// ------------------------------------------------------------------------------------------------ callers

/**
 * The generated client's interface over plain node:http with keep-alive sockets: the same requests as
 * the runtime transport (undici's request in node; it used fetch, at several times the client-side CPU,
 * until the fourth round of issue 18), so the server's HTTP path can be loaded without the load
 * generator running out of CPU first.
 */
function rawHttpClient(target: string, token: string): GraphQLClient {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const endpoint = new URL(target);
  return {
    url: target,
    request<TData, TVariables, TResult>(operation: GraphQLOperation<TData, TVariables, TResult>): Promise<TResult> {
      const body = JSON.stringify({ query: operation.document.toString(), operationName: operation.operationName, variables: operation.variables ?? {} });
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { agent, host: endpoint.hostname, port: endpoint.port, path: endpoint.pathname, method: "POST", headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}`, "content-length": Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => {
              const result = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: TData; errors?: unknown };
              if (result.errors || !result.data) reject(new Error(JSON.stringify(result.errors)));
              else resolve((operation.select ? operation.select(result.data) : result.data) as TResult);
            });
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    subscribe() {
      throw new Error("not used");
    },
    async close() {
      agent.destroy();
    },
  };
}

async function latency(client: GraphQLClient, router: ResultRouter, implementation: string): Promise<{ p50: number; p99: number }> {
  const warm = quick ? 200 : 500;
  const rounds = quick ? 1000 : 3000;
  const times: number[] = [];
  for (let i = 0; i < warm + rounds; i++) {
    const t0 = performance.now();
    await callOnce(client, router, implementation, i);
    if (i >= warm) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** CPU time (ms) used so far by the server process. */
const serverCpuMs = (): number => processCpuMs(child.pid!);
const cpu: Record<string, { server: number; bench: number }> = {};
/** The server's write system calls and bytes written so far (Linux /proc; these do not move with the machine's load). */
const serverWrites = (): { calls: number; bytes: number } => {
  const io = Object.fromEntries(readFileSync(`/proc/${child.pid}/io`, "utf8").trim().split("\n").map((line) => line.split(": ")));
  return { calls: Number(io.syscw), bytes: Number(io.wchar) };
};
const writes: Record<string, { calls: number; bytes: number }> = {};

async function throughput(client: GraphQLClient, router: ResultRouter, implementation: string, concurrency: number, total: number, label = ""): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const serverCpu0 = serverCpuMs();
  const writes0 = serverWrites();
  const selfCpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const x = next++;
        await callOnce(client, router, implementation, x);
      }
    }),
  );
  const wall = performance.now() - t0;
  const self = process.cpuUsage(selfCpu0);
  if (label) {
    cpu[label] = { server: (serverCpuMs() - serverCpu0) / total, bench: (self.user + self.system) / 1000 / total };
    const after = serverWrites();
    writes[label] = { calls: (after.calls - writes0.calls) / total, bytes: (after.bytes - writes0.bytes) / total };
  }
  return total / (wall / 1000);
}

// ------------------------------------------------------------------------------------------------ run

const http = createGraphQLClient({ url: `${url}/graphql`, token: "bench-caller" });
const agentHttp = createGraphQLClient({ url: `${url}/graphql`, token: "bench-agent" });
const implementation = await implementEcho(agentHttp);
const agent = await startRawAgent(url);

const floor = await echoBaseline();
const sqlite = sqliteFloor();
const oneTask = await oneTaskFloor();
const rssStart = rssMb();

const httpRouter = new ResultRouter(http);
await httpRouter.ready;
const latHttp = await latency(http, httpRouter, implementation);

const ws = wsGraphqlClient(`${url.replace("http", "ws")}/graphql`, "bench-caller");
const wsRouter = new ResultRouter(http);
await wsRouter.ready;
httpRouter.stop();
const latWs = await latency(ws, wsRouter, implementation);

const concurrency = 64;
const perPhase = quick ? 5000 : 20000;
const tputHttp = await throughput(http, wsRouter, implementation, concurrency, perPhase, "HTTP assign");
const tputWs = await throughput(ws, wsRouter, implementation, concurrency, perPhase, "graphql-ws assign");
const rawHttp = rawHttpClient(`${url}/graphql`, "bench-caller");
const tputRawHttp = await throughput(rawHttp, wsRouter, implementation, concurrency, perPhase, "HTTP assign, raw client");
await rawHttp.close();

// fill up to 100,000 stored tasks, then read the server's RSS
const target = quick ? 20_000 : 100_000;
const soFar = (quick ? 1200 : 3500) * 2 + perPhase * 3;
if (soFar < target) await throughput(ws, wsRouter, implementation, concurrency, target - soFar);
const stored = target;
await new Promise((resolve) => setTimeout(resolve, 1000));
const rssEnd = rssMb();

wsRouter.stop();
ws.dispose();
agent.close();
await http.close();
await agentHttp.close();
child.kill("SIGTERM");
echoChild.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
rmSync(dataDir, { recursive: true, force: true });

const verdict = (met: boolean) => (met ? "met" : "missed");
const ms = (value: number) => `${value.toFixed(0)} MB`;
const lines = [
  `| measurement | result | target (issue 18) | |`,
  `| --- | ---: | ---: | --- |`,
  `| floor: plain ws echo round trip, p50 / p99 | ${us(floor.p50)} / ${us(floor.p99)} | | |`,
  `| floor: plain ws echo, pipelined round trips/s | ${floor.perSecond.toFixed(0)} | | |`,
  `| floor: SQLite (WAL) rows/s, a task and its two events per 3 rows, 64 tasks per transaction | ${sqlite.rowsPerSecond.toFixed(0)} (${sqlite.usPerTask.toFixed(1)} µs/task) | | |`,
  `| floor: one task alone, durably (its rows in two commits on the store's schema, a ws echo round trip after each), p50 / p99 | ${us(oneTask.p50)} / ${us(oneTask.p99)} | | |`,
  `| assign → result, 1 caller, assign over the open graphql-ws socket, p50 | ${us(latWs.p50)} | ≤ 400 µs | ${verdict(latWs.p50 <= 0.4)} |`,
  `| assign → result, 1 caller, assign over the open graphql-ws socket, p99 | ${us(latWs.p99)} | ≤ 2 ms | ${verdict(latWs.p99 <= 2)} |`,
  `| assign → result, 1 caller, HTTP assign + graphql-ws mytasks, p50 / p99 | ${us(latHttp.p50)} / ${us(latHttp.p99)} | | |`,
  `| completed tasks/s, 64 concurrent callers, assign over graphql-ws | ${tputWs.toFixed(0)} | ≥ 5,000 | ${verdict(tputWs >= 5000)} |`,
  `| completed tasks/s, 64 concurrent callers, HTTP assign (runtime transport: undici request) | ${tputHttp.toFixed(0)} | ≥ 3,000 | ${verdict(tputHttp >= 3000)} |`,
  `| completed tasks/s, 64 concurrent callers, HTTP assign (plain node:http keep-alive client) | ${tputRawHttp.toFixed(0)} | ≥ 3,000 | ${verdict(tputRawHttp >= 3000)} |`,
  `| server CPU per task, assign over graphql-ws (bench process: raw agent + caller) | ${us(cpu["graphql-ws assign"]!.server)} (${us(cpu["graphql-ws assign"]!.bench)}) | ≤ 200 µs | ${verdict(cpu["graphql-ws assign"]!.server <= 0.2)} |`,
  `| server write system calls / bytes written per task, assign over graphql-ws (sockets, WAL, temporary files) | ${writes["graphql-ws assign"]!.calls.toFixed(1)} / ${(writes["graphql-ws assign"]!.bytes / 1024).toFixed(1)} KB | | |`,
  `| server CPU per task, HTTP assign, runtime transport (bench process) | ${us(cpu["HTTP assign"]!.server)} (${us(cpu["HTTP assign"]!.bench)}) | | |`,
  `| server CPU per task, HTTP assign, plain client (bench process) | ${us(cpu["HTTP assign, raw client"]!.server)} (${us(cpu["HTTP assign, raw client"]!.bench)}) | | |`,
  `| server RSS at start (after warm-up) | ${ms(rssStart)} | | |`,
  `| server RSS after ${stored.toLocaleString("en")} stored tasks | ${ms(rssEnd)} | ${quick ? "(≤ 150 MB at 100,000)" : "≤ 150 MB"} | ${quick ? "" : verdict(rssEnd <= 150)} |`,
];
process.stdout.write(`${lines.join("\n")}\n`);
