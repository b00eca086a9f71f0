/**
 * One caller, one task at a time (issue 18's latency target): assign over the open graphql-ws socket,
 * the result from `mytasks`, the raw agent of harness.ts answering. Prints p50 / p90 / p99 and the
 * server's CPU per task.
 *
 *   npm run build && node --import tsx bench/server/latency.ts [--compare ROOT] [--blocks N] [--per N]
 *
 * `--compare ROOT` starts a second server from the built checkout at ROOT (e.g. a scratch worktree of
 * an older commit) and alternates blocks of `--per` calls (400) between the two, `--blocks` times
 * (16), so both see the same minutes of this host, whose speed changes within minutes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { WebSocket } from "ws";
import { createGraphQLClient, type GraphQLClient } from "../../src/runtime/transport/index.js";
import { BENCH_TOKENS, ResultRouter, callOnce, implementEcho, processCpuMs, serverUrl, startRawAgent, wsGraphqlClient } from "./harness.js";

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const blocks = Number(option("--blocks") ?? 16);
const per = Number(option("--per") ?? 400);
const roots = [resolve("."), ...(option("--compare") ? [resolve(option("--compare")!)] : [])];

interface Side {
  root: string;
  dataDir: string;
  child: ChildProcess;
  http: GraphQLClient;
  agentHttp: GraphQLClient;
  implementation: string;
  agent: WebSocket;
  ws: ReturnType<typeof wsGraphqlClient>;
  router: ResultRouter;
  times: number[];
  serverMs: number;
  calls: number;
}

async function start(root: string): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-latency-"));
  const tokensFile = join(dataDir, "tokens.json");
  writeFileSync(tokensFile, JSON.stringify(BENCH_TOKENS));
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean), join(root, "bin/arkitekt-next.js"), "server", "--port", "0", "--data", join(dataDir, "store"), "--tokens", tokensFile],
    { stdio: ["ignore", "pipe", "inherit"], cwd: root },
  );
  const url = await serverUrl(child);
  const http = createGraphQLClient({ url: `${url}/graphql`, token: "bench-caller" });
  const agentHttp = createGraphQLClient({ url: `${url}/graphql`, token: "bench-agent" });
  const implementation = await implementEcho(agentHttp);
  const agent = await startRawAgent(url);
  const ws = wsGraphqlClient(`${url.replace("http", "ws")}/graphql`, "bench-caller");
  const router = new ResultRouter(http);
  await router.ready;
  // warm-up: JIT, caches, the store's first pages
  for (let i = 0; i < 800; i++) await callOnce(ws, router, implementation, i);
  return { root, dataDir, child, http, agentHttp, implementation, agent, ws, router, times: [], serverMs: 0, calls: 0 };
}

const sides: Side[] = [];
for (const root of roots) sides.push(await start(root));
for (let block = 0; block < blocks; block++) {
  for (const side of block % 2 === 0 ? sides : [...sides].reverse()) {
    const cpu0 = processCpuMs(side.child.pid!);
    for (let i = 0; i < per; i++) {
      const t0 = performance.now();
      await callOnce(side.ws, side.router, side.implementation, i);
      side.times.push(performance.now() - t0);
    }
    side.serverMs += processCpuMs(side.child.pid!) - cpu0;
    side.calls += per;
  }
}

const at = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
const lines = [`| server (one caller, ${blocks} blocks of ${per} calls${sides.length > 1 ? ", alternated" : ""}) | p50 | p90 | p99 | server CPU per task |`, "| --- | ---: | ---: | ---: | ---: |"];
for (const side of sides) {
  const sorted = [...side.times].sort((a, b) => a - b);
  lines.push(`| ${side.root} | ${us(at(sorted, 50))} | ${us(at(sorted, 90))} | ${us(at(sorted, 99))} | ${us(side.serverMs / side.calls)} |`);
  side.router.stop();
  side.ws.dispose();
  side.agent.close();
  await side.http.close();
  await side.agentHttp.close();
  side.child.kill("SIGTERM");
  await new Promise((done) => side.child.once("exit", done));
  rmSync(side.dataDir, { recursive: true, force: true });
}
process.stdout.write(`${lines.join("\n")}\nTarget (issue 18): p50 ≤ 400 µs, p99 ≤ 2 ms.\n`);
