/**
 * Benchmark of the runtime (issue 6): one call's round trip and throughput through the full
 * runtime (caller with typed adapter -> platform -> agent with validators and adapters -> back),
 * against the raw protocol in the same run and on the same server (a plain ws agent answering
 * ASSIGN with STARTED + YIELD + COMPLETED, and a caller made of the generated `assign` + one `mytasks`
 * subscription); then the per-call cost of validation + adapters alone, for small args and for a
 * list of 10,000 elements.
 *
 *   node --import tsx bench/runtime/run.ts [--quick]
 *
 * The server runs in a child process (bench/runtime/serve.ts). Prints markdown; RESULTS.md holds a
 * recorded run.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import WebSocket from "ws";
import { assign, ensureAgent, implementAgent, watchMyTasks } from "../../generated/api/rekuest.js";
import type { Implementation, Port } from "../../src/definition/model.js";
import { hashDefinitions } from "../../src/definition/hash.js";
import { connect } from "../../src/runtime/agent/index.js";
import { codecAdapter, createClient } from "../../src/runtime/caller/index.js";
import { defineEntry, defineRegistry, type Codec } from "../../src/runtime/structures/support.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 200 : 1000;
const THROUGHPUT = quick ? 500 : 2000;
const PARALLEL = 32;

const TOKENS = {
  "raw-agent": { sub: "raw", client_id: "raw-agent", active_org: "bench", client_app: "raw-agent", client_release: "1.0.0" },
  "rt-agent": { sub: "rt", client_id: "rt-agent", active_org: "bench", client_app: "rt-agent", client_release: "1.0.0" },
  "bench-caller": { sub: "caller", client_id: "bench-caller", active_org: "bench", client_app: "bench-caller", client_release: "1.0.0" },
};

const port = (key: string, kind: Port["kind"], children?: Port[]): Port => ({ key, kind, nullable: false, ...(children ? { children } : {}) });
function impl(iface: string, args: Port[], returns: Port[]): Implementation {
  return {
    interface: iface,
    definition: {
      key: iface, version: "1", name: iface, kind: "FUNCTION", description: iface, collections: [], stateful: false,
      pure: false, idempotent: false, isDev: false, portGroups: [], args, returns, isTestFor: [],
    },
    effect: "NONE", needsToken: false, dependencies: [],
  };
}

const addImpl = impl("add", [port("a", "INT"), port("b", "INT")], [port("return0", "INT")]);
const sumImpl = impl("sum", [port("xs", "LIST", [port("0", "FLOAT")])], [port("return0", "LIST", [port("0", "FLOAT")])]);
const intCodec: Codec = { kind: "INT" };
const listCodec: Codec = { kind: "LIST", child: { kind: "FLOAT" } };
const addEntry = defineEntry({
  implementation: addImpl,
  fn: ((a: number, b: number) => a + b) as (...args: never[]) => unknown,
  argCodecs: [["a", intCodec], ["b", intCodec]],
  returnCodecs: [intCodec],
});
const listEntry = defineEntry({
  implementation: sumImpl,
  fn: ((xs: number[]) => xs) as (...args: never[]) => unknown,
  argCodecs: [["xs", listCodec]],
  returnCodecs: [listCodec],
});
const registry = defineRegistry(hashDefinitions([addImpl, sumImpl]), [addEntry, listEntry]);

function stats(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50: at(50), p99: at(99), mean: times.reduce((s, t) => s + t, 0) / times.length };
}
const ms = (v: number) => `${v.toFixed(3)} ms`;
const us = (v: number) => `${(v * 1000).toFixed(1)} µs`;

// ------------------------------------------------------------------------------------------------ server

const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-runtime-"));
const child = spawn(process.execPath, ["--import", "tsx", "bench/runtime/serve.ts", dataDir, JSON.stringify(TOKENS)], { stdio: ["ignore", "pipe", "inherit"] });
const { url } = await new Promise<{ url: string }>((resolve, reject) => {
  createInterface({ input: child.stdout! }).once("line", (line) => resolve(JSON.parse(line) as { url: string }));
  child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
});
const graphqlUrl = `${url}/graphql`;
const agiUrl = `${url.replace(/^http/, "ws")}/agi`;

// ------------------------------------------------------------------------------------------------ raw protocol

async function rawAgent(): Promise<{ implementation: string; close(): void }> {
  const gql = createGraphQLClient({ url: graphqlUrl, token: "raw-agent" });
  await ensureAgent(gql, { input: { name: "raw" } });
  const agent = await implementAgent(gql, { input: { name: "raw", implementations: [addImpl] as never, hash: "raw" } });
  await gql.close();
  const ws = new WebSocket(agiUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let seq = 0;
  await new Promise<void>((resolve) => {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; task: string; args: { a: number; b: number } };
      if (frame.type === "INIT") resolve();
      else if (frame.type === "HEARTBEAT") ws.send('{"type":"HEARTBEAT_ANSWER"}');
      else if (frame.type === "ASSIGN") {
        // The same frames a compliant agent sends (and our runtime does): STARTED, YIELD, COMPLETED.
        ws.send(JSON.stringify({ type: "STARTED", id: randomUUID(), seq: ++seq, task: frame.task }));
        ws.send(JSON.stringify({ type: "YIELD", id: randomUUID(), seq: ++seq, task: frame.task, returns: { return0: frame.args.a + frame.args.b } }));
        ws.send(JSON.stringify({ type: "COMPLETED", id: randomUUID(), seq: ++seq, task: frame.task }));
      }
    });
    ws.send(JSON.stringify({ type: "REGISTER", id: randomUUID(), token: "raw-agent", force: true, session_id: randomUUID() }));
  });
  return { implementation: agent.implementations[0]!.id, close: () => ws.close() };
}

/** A minimal caller: generated `assign` + one `mytasks` subscription, routed by task id. */
async function rawCaller() {
  const gql = createGraphQLClient({ url: graphqlUrl, token: "bench-caller" });
  const abort = new AbortController();
  const waiting = new Map<string, (returns: unknown) => void>();
  const early = new Map<string, unknown>();
  const returns = new Map<string, unknown>();
  void (async () => {
    for await (const change of watchMyTasks(gql, {}, { signal: abort.signal })) {
      const event = change.event;
      if (!event) continue;
      if (event.kind === "YIELD") returns.set(event.task, event.returns);
      if (event.kind === "COMPLETED") {
        const done = waiting.get(event.task);
        if (done) {
          waiting.delete(event.task);
          done(returns.get(event.task));
        } else early.set(event.task, returns.get(event.task));
        returns.delete(event.task);
      }
    }
  })();
  // Let the subscription register before the first assign (this minimal caller has no catch-up).
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    async call(implementation: string, args: Record<string, unknown>): Promise<unknown> {
      const task = await assign(gql, { input: { implementation, args, reference: randomUUID() } });
      if (early.has(task.id)) {
        const value = early.get(task.id);
        early.delete(task.id);
        return value;
      }
      return new Promise((resolve) => waiting.set(task.id, resolve));
    },
    async close() {
      abort.abort();
      await gql.close();
    },
  };
}

async function measure(call: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 50; i++) await call(i); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await call(i);
    times.push(performance.now() - t0);
  }
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < THROUGHPUT) await call(next++);
    }),
  );
  const perSecond = THROUGHPUT / ((performance.now() - t0) / 1000);
  return { ...stats(times), perSecond };
}

const raw = await rawAgent();
const rawClient = await rawCaller();
const check = await rawClient.call(raw.implementation, { a: 2, b: 3 });
if ((check as { return0: number }).return0 !== 5) throw new Error(`raw path broken: ${JSON.stringify(check)}`);

const agent = await connect({ url, token: "rt-agent", registry, force: true });
const client = createClient({ url, token: "bench-caller" });
const adapter = codecAdapter<{ a: number; b: number }, number>({ args: [["a", intCodec], ["b", intCodec]], returns: [intCodec] });
const rtImpl = agent.implementations.add!.implementationId;
if ((await client.call({ implementation: rtImpl }, { a: 2, b: 3 }, { adapter })) !== 5) throw new Error("runtime path broken");

// Alternate the two paths so drift (SQLite WAL growth, JIT) affects both alike.
const rawRuns: Array<Awaited<ReturnType<typeof measure>>> = [];
const rtRuns: Array<Awaited<ReturnType<typeof measure>>> = [];
const agentOnlyRuns: Array<Awaited<ReturnType<typeof measure>>> = [];
const callerOnlyRuns: Array<Awaited<ReturnType<typeof measure>>> = [];
for (let round = 0; round < (quick ? 1 : 2); round++) {
  rawRuns.push(await measure((i) => rawClient.call(raw.implementation, { a: i, b: 1 })));
  rtRuns.push(await measure((i) => client.call({ implementation: rtImpl }, { a: i, b: 1 }, { adapter })));
  agentOnlyRuns.push(await measure((i) => rawClient.call(rtImpl, { a: i, b: 1 })));
  callerOnlyRuns.push(await measure((i) => client.call({ implementation: raw.implementation }, { a: i, b: 1 }, { adapter })));
}
const best = (runs: typeof rawRuns) => runs.reduce((a, b) => (b.p50 < a.p50 ? b : a));
const rawBest = best(rawRuns);
const rtBest = best(rtRuns);
const agentOnly = best(agentOnlyRuns);
const callerOnly = best(callerOnlyRuns);

await client.close();
await agent.close();
await rawClient.close();
raw.close();
child.kill("SIGTERM");
rmSync(dataDir, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------ validation + adapters alone

async function perCall(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  for (let i = 0; i < Math.min(1000, iterations); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return (performance.now() - t0) / iterations;
}
const small = { a: 1, b: 2 };
const agentSmall = await perCall(async () => addEntry.shrinkReturns(addEntry.fn(...((await addEntry.expandArgs(addEntry.parseArgs(small))) as never[]))), quick ? 20_000 : 100_000);
const callerSmall = await perCall(async () => adapter.decodeReturns({ return0: ((await adapter.encodeArgs(small)) as { a: number }).a }), quick ? 20_000 : 100_000);
const xs = Array.from({ length: 10_000 }, (_, i) => i / 3);
const listAdapter = codecAdapter<{ xs: number[] }, number[]>({ args: [["xs", listCodec]], returns: [listCodec] });
const agentList = await perCall(async () => listEntry.shrinkReturns(listEntry.fn(...((await listEntry.expandArgs(listEntry.parseArgs({ xs }))) as never[]))), quick ? 50 : 300);
const callerList = await perCall(async () => listAdapter.decodeReturns({ return0: (await listAdapter.encodeArgs({ xs })).xs }), quick ? 50 : 300);

const overhead = (rtBest.p50 / rawBest.p50 - 1) * 100;
process.stdout.write(
  [
    `## Runtime round trip (${ROUNDS} sequential calls; throughput: ${THROUGHPUT} calls, ${PARALLEL} in flight; best of ${rawRuns.length} alternating runs)`,
    "",
    "| path | p50 | p99 | mean | calls/s |",
    "| --- | --- | --- | --- | --- |",
    `| raw protocol (plain ws agent: STARTED, YIELD, COMPLETED; generated assign + mytasks) | ${ms(rawBest.p50)} | ${ms(rawBest.p99)} | ${ms(rawBest.mean)} | ${rawBest.perSecond.toFixed(0)} |`,
    `| full runtime (connect + createClient.call with typed adapter) | ${ms(rtBest.p50)} | ${ms(rtBest.p99)} | ${ms(rtBest.mean)} | ${rtBest.perSecond.toFixed(0)} |`,
    `| runtime agent, raw caller | ${ms(agentOnly.p50)} | ${ms(agentOnly.p99)} | ${ms(agentOnly.mean)} | ${agentOnly.perSecond.toFixed(0)} |`,
    `| raw agent, runtime caller | ${ms(callerOnly.p50)} | ${ms(callerOnly.p99)} | ${ms(callerOnly.mean)} | ${callerOnly.perSecond.toFixed(0)} |`,
    "",
    `Runtime overhead at p50: ${overhead.toFixed(1)} % (target ≤ 20 %); throughput ratio ${(rtBest.perSecond / rawBest.perSecond).toFixed(2)}×.`,
    "",
    "## Validation + adapters alone (per call)",
    "",
    "| work | small args `{a, b}` | list of 10,000 floats |",
    "| --- | --- | --- |",
    `| agent: parseArgs (value rule) + expandArgs + fn + shrinkReturns | ${us(agentSmall)} | ${us(agentList)} |`,
    `| caller: encodeArgs + decodeReturns (codec adapter) | ${us(callerSmall)} | ${us(callerList)} |`,
    "",
  ].join("\n"),
);
process.exit(0);
