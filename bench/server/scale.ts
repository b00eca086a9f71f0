/**
 * Scale benchmark of the embedded server (issue 18, "Scale"):
 * 1. the list and filter queries `tasks`, `myTasks`, `agents`, `actions` with 1,000,000 stored tasks,
 *    as the web UIs (orkestrator-next, our own) and the Python client send them, over HTTP;
 * 2. the server's CPU with 1,000 connected agents answering heartbeats, idle.
 *
 * The store is seeded directly (one transaction, prepared inserts) with a realistic spread: several
 * organisations, agents, actions, callers, child tasks, done and open tasks, events per task. The
 * query plan of every task list SQL shape is printed (EXPLAIN QUERY PLAN) and its SQL time measured
 * in this process before the server starts; then the real server (the built CLI, `npm run build`
 * first) runs on that data dir in a child process and each GraphQL query is timed (p50 / p99 of many
 * runs) beside the floor of the same run, a trivial `{ __typename }` over the same HTTP path.
 *
 *   npm run build && node --import tsx bench/server/scale.ts [--quick] [--tasks N] [--agents N] [--idle S]
 *
 * `--quick`: 200,000 tasks, fewer runs, 10 s idle. Prints markdown; SCALE.md holds a recorded run.
 *
 * While working on one query (seeding 1,000,000 tasks takes about a minute):
 * - `--store DIR` keeps the seeded store in DIR (created when missing, reused when it holds a store
 *   seeded with the same --tasks and --agents; the servers' reads leave it as seeded);
 * - `--queries-only` runs the GraphQL queries alone (no SQL shapes, write cost or idle agents);
 * - `--only TEXT[,TEXT]` times only the queries whose name contains one of the texts;
 * - `--runs N` times N runs per query;
 * - `--fetch` times them through node's global fetch, the client of the first three rounds of issue 18
 *   (the default is undici's `request`, the runtime's client in node, which costs the client a fraction
 *   of fetch's CPU per request: both the queries and their floor get faster);
 * - `--compare ROOT` runs a second server, the built checkout at ROOT (e.g. a scratch worktree of the
 *   old commit), on its own copy of the store, and alternates the two run by run (old, new, new, old,
 *   ...), so both see the same machine; each row then gives both and the server CPU per run of each.
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the server(s).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { processCpuMs, serverUrl } from "./harness.js";
import { clientCases, type GqlCase } from "./scale-cases.js";
import Database from "better-sqlite3";
import { MIGRATIONS } from "../../src/server/store/migrations.js";
import { LOOKUP_KEY_FUNCTION, lookupKey } from "../../src/server/store/lookup-key.js";
import { STORE_FILE, Store } from "../../src/server/store/store.js";
import { taskListQuery, type TaskListFilter, type TaskListOrder } from "../../src/server/store/task-list.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const numArg = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const TASKS = numArg("--tasks", quick ? 200_000 : 1_000_000);
const HB_AGENTS = numArg("--agents", 1000);
const IDLE_S = numArg("--idle", quick ? 10 : 30);
const strArg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const KEEP_STORE = strArg("--store");
const QUERIES_ONLY = argv.includes("--queries-only");
const ONLY = strArg("--only")?.split(",").filter(Boolean);
const COMPARE_ROOT = strArg("--compare");
const RUNS = numArg("--runs", quick ? 60 : 200);
/** Time the queries through node's global fetch (the client of the first three rounds) instead of undici's request. */
const USE_FETCH = argv.includes("--fetch");
const WARM = quick ? 10 : 20;
const TARGET_MS = 5;
const TARGET_IDLE_CPU = 5; // % of one core

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ORGS = [
  { org: "bench", share: 0.4 },
  { org: "org1", share: 0.3 },
  { org: "org2", share: 0.2 },
  { org: "org3", share: 0.1 },
];
const AGENTS_PER_ORG = 10;
const ACTIONS_PER_ORG = 50;
const CALLERS_PER_ORG = 20;
const ISS = "static_issuer";

// a deterministic pseudo-random sequence: every run seeds the same store
let rngState = 42;
const rnd = () => {
  rngState = (rngState * 1664525 + 1013904223) >>> 0;
  return rngState / 2 ** 32;
};
const pick = <T>(items: readonly T[], skew = 1): T => items[Math.min(items.length - 1, Math.floor(items.length * rnd() ** skew))]!;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (v: number) => `${v.toFixed(2)} ms`;

// ------------------------------------------------------------------------------------------------ seed

interface Seeded {
  bench: { agents: number[]; actions: number[]; implementations: number[]; benchCaller: number; parentWithChildren: number; rareAction: number; hotAction: number };
}

function definitionOf(k: number): string {
  return JSON.stringify({
    key: `action_${k}`,
    version: "1",
    name: `Action ${k}`,
    kind: "FUNCTION",
    description: `seeded action number ${k}`,
    args: [
      { key: "x", kind: "INT", nullable: false, label: "x", description: "a number" },
      { key: "label", kind: "STRING", nullable: true, default: "none" },
    ],
    returns: [{ key: "return0", kind: "INT", nullable: false }],
    collections: k % 5 === 0 ? ["tools"] : [],
    portGroups: [],
    isTestFor: [],
  });
}

function seed(dataDir: string): Seeded {
  const store = new Store(dataDir);
  const db = store.db;
  const now = Date.now();
  const start = now - 30 * 24 * 3600_000;
  const ins = {
    agent: db.prepare(
      `INSERT INTO agent (org, client_id, user_sub, iss, username, app, release, name, kind, connected, last_seen, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'WEBSOCKET', 0, ?, ?)`,
    ),
    action: db.prepare(
      `INSERT INTO action (org, app, key, version, hash, name, kind, description, definition, defined_at) VALUES (?, 'seed-app', ?, '1', ?, ?, 'FUNCTION', ?, ?, ?)`,
    ),
    implementation: db.prepare(`INSERT INTO implementation (agent_id, action_id, interface, created_at) VALUES (?, ?, ?, ?)`),
    caller: db.prepare(`INSERT INTO caller (org, client_id, user_sub, iss) VALUES (?, ?, ?, ?)`),
    task: db.prepare(
      `INSERT INTO task (org, action_id, implementation_id, agent_id, caller_id, reference, args, args_hash, parent_id, root_id, is_done,
         latest_event_kind, latest_instruct_kind, step, created_at, updated_at, finished_at, reference_key, args_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ASSIGN', 0, ?, ?, ?, ?, ?)`,
    ),
    // an open task of a seeded agent has its ASSIGN pending (the agent is offline): undelivered, so no grace timer at start
    assignPending: db.prepare("UPDATE task SET assign_pending = 1 WHERE id = ?"),
    event: db.prepare(`INSERT INTO task_event (task_id, kind, message, progress, returns, level, created_at, seq) VALUES (?, ?, ?, ?, ?, 'INFO', ?, ?)`),
  };
  const perOrg = new Map<string, { agents: number[]; impls: Array<{ id: number; agent: number; action: number }>; actions: number[]; callers: number[]; recent: Array<{ id: number; root: number | null }> }>();
  let seeded!: Seeded;
  db.transaction(() => {
    let actionNo = 0;
    for (const { org } of ORGS) {
      const agents: number[] = [];
      for (let a = 0; a < AGENTS_PER_ORG; a++) {
        const client = `seed-agent-${a}`;
        agents.push(Number(ins.agent.run(org, client, client, ISS, client, "seed-app", "1.0.0", `Seed agent ${a}`, start, start).lastInsertRowid));
      }
      if (org === "bench") {
        // the agents that connect in the idle phase: their tokens are hb-<i> (tokens.json)
        for (let h = 0; h < HB_AGENTS; h++) ins.agent.run(org, `hb-${h}`, `hb-${h}`, ISS, `hb-${h}`, "hb-app", "1.0.0", `Heartbeat agent ${h}`, start, start);
      }
      const actions: number[] = [];
      const impls: Array<{ id: number; agent: number; action: number }> = [];
      for (let k = 0; k < ACTIONS_PER_ORG; k++, actionNo++) {
        const id = Number(ins.action.run(org, `action_${k}`, `hash${actionNo.toString(16).padStart(12, "0")}`, `Action ${k}`, `seeded action number ${k}`, definitionOf(k), start).lastInsertRowid);
        actions.push(id);
        for (const agent of [agents[k % AGENTS_PER_ORG]!, agents[(k + 3) % AGENTS_PER_ORG]!]) {
          impls.push({ id: Number(ins.implementation.run(agent, id, `action_${k}`, start).lastInsertRowid), agent, action: id });
        }
      }
      const callers: number[] = [];
      for (let c = 0; c < CALLERS_PER_ORG; c++) {
        const client = org === "bench" && c === 0 ? "bench-caller" : `seed-caller-${c}`;
        const sub = org === "bench" && c === 0 ? "caller" : client;
        callers.push(Number(ins.caller.run(org, client, sub, ISS).lastInsertRowid));
      }
      perOrg.set(org, { agents, impls, actions, callers, recent: [] });
    }
    const cumulative = ORGS.map((o, i) => ORGS.slice(0, i + 1).reduce((n, x) => n + x.share, 0));
    const kinds = ["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "FAILED", "CANCELLED"];
    let withChildren = 0;
    for (let i = 0; i < TASKS; i++) {
      const r = rnd();
      const org = ORGS[cumulative.findIndex((c) => r < c)]!.org;
      const o = perOrg.get(org)!;
      // a few actions are used a lot, many rarely (skewed choice); the last action of each org is never used
      const impl = pick(o.impls.slice(0, -2), 3);
      const caller = rnd() < 0.5 ? o.callers[0]! : pick(o.callers);
      const created = start + Math.floor(((now - start) * i) / TASKS);
      // the newest ~0.1% are still running, and a few older ones never finished
      const open = i > TASKS * 0.999 || rnd() < 0.0005;
      let parent: number | null = null;
      let root: number | null = null;
      if (o.recent.length > 0 && rnd() < 0.15) {
        const p = o.recent[Math.floor(rnd() * o.recent.length)]!;
        parent = p.id;
        root = p.root ?? p.id;
      }
      const kind = open ? "QUEUED" : kinds[Math.floor(rnd() * kinds.length)]!;
      const finished = open ? null : created + 5 + Math.floor(rnd() * 2000);
      const id = Number(
        ins.task.run(org, impl.action, impl.id, impl.agent, caller, `ref-${i}`, `{"x":${i},"label":"l${i % 97}"}`, `ah${(i % 50_000).toString(16)}`, parent, root, open ? 0 : 1, kind, created, finished ?? created, finished, lookupKey(`ref-${i}`), lookupKey(`ah${(i % 50_000).toString(16)}`))
          .lastInsertRowid,
      );
      if (parent !== null && org === "bench") withChildren = parent;
      o.recent.push({ id, root });
      if (o.recent.length > 50) o.recent.shift();
      let seq = 0;
      if (kind === "COMPLETED") {
        if (rnd() < 0.3) ins.event.run(id, "LOG", `log of ${i}`, null, null, created + 1, ++seq);
        ins.event.run(id, "YIELD", null, null, `{"return0":${i}}`, finished, ++seq);
        ins.event.run(id, "COMPLETED", null, null, null, finished, ++seq);
      } else if (kind === "QUEUED") {
        ins.event.run(id, "QUEUED", null, null, null, created + 1, ++seq);
        ins.assignPending.run(id);
      } else {
        ins.event.run(id, kind, kind === "FAILED" ? `error in ${i}` : null, null, null, finished, ++seq);
      }
    }
    const b = perOrg.get("bench")!;
    seeded = {
      bench: {
        agents: b.agents,
        actions: b.actions,
        implementations: b.impls.map((x) => x.id),
        benchCaller: b.callers[0]!,
        parentWithChildren: withChildren,
        rareAction: b.impls[b.impls.length - 3]!.action,
        hotAction: b.impls[0]!.action,
      },
    };
  })();
  store.close();
  return seeded;
}

// ------------------------------------------------------------------------------------------------ SQL: plans and times

interface SqlShape {
  name: string;
  filter: Omit<TaskListFilter, "org">;
  order?: TaskListOrder;
  limit?: number;
  offset?: number;
}

function sqlShapes(s: Seeded): SqlShape[] {
  const b = s.bench;
  return [
    { name: "tasks, newest first", filter: {} },
    { name: "tasks, oldest first", filter: {}, order: [{ by: "created", desc: false }] },
    { name: "tasks by action (used a lot)", filter: { actionId: b.hotAction } },
    { name: "tasks by action (used rarely)", filter: { actionId: b.rareAction } },
    { name: "tasks by action (never used)", filter: { actionId: b.actions[b.actions.length - 1]! } },
    { name: "tasks by agent", filter: { agentId: b.agents[0]! } },
    { name: "tasks by implementation", filter: { implementationId: b.implementations[4]! } },
    { name: "tasks by caller (myTasks)", filter: { callerId: b.benchCaller } },
    { name: "tasks by parent (children)", filter: { parentId: b.parentWithChildren } },
    { name: "tasks by root", filter: { rootId: b.parentWithChildren } },
    { name: "tasks open (isDone false)", filter: { isDone: false } },
    { name: "tasks done (isDone true)", filter: { isDone: true } },
    { name: "tasks root only (rootIsnull)", filter: { rootIsNull: true } },
    { name: "tasks in state FAILED", filter: { states: ["FAILED"] } },
    { name: "tasks in state CRITICAL (none)", filter: { states: ["CRITICAL"] } },
    { name: "tasks created in the last hour", filter: { createdAfter: Date.now() - 3600_000 } },
    { name: "tasks by reference", filter: { reference: "ref-12345" } },
    { name: "tasks by argsHash", filter: { argsHash: "ah1" } },
    { name: "tasks by ids", filter: { ids: [5, 50, 500, 5000] } },
    { name: "tasks by action, open", filter: { actionId: b.hotAction, isDone: false } },
    { name: "tasks, finished newest first", filter: {}, order: [{ by: "finished", desc: true }] },
    { name: "tasks, page at offset 10,000", filter: {}, offset: 10_000 },
  ];
}

function sqlReport(dataDir: string, s: Seeded): string[] {
  const store = new Store(dataDir);
  const lines = ["| task list SQL shape (org bench, LIMIT 20) | SQL p50 / p99 | query plan |", "| --- | --- | --- |"];
  try {
    for (const shape of sqlShapes(s)) {
      const { sql, params } = taskListQuery({ org: "bench", ...shape.filter }, shape.order ?? [], { limit: shape.limit ?? 20, offset: shape.offset ?? 0 });
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join("; ");
      const statement = store.db.prepare(sql);
      const runs = quick ? 20 : 50;
      const times: number[] = [];
      for (let i = 0; i < runs + 3; i++) {
        const t0 = performance.now();
        statement.all(...params);
        if (i >= 3) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      lines.push(`| ${shape.name} | ${ms(percentile(times, 50))} / ${ms(percentile(times, 99))} | ${plan} |`);
    }
  } finally {
    store.close();
  }
  return lines;
}

// ------------------------------------------------------------------------------------------------ write cost of the indexes

/**
 * What the task indexes cost a task's writes: the same insert + finish of each task (in groups of 64
 * per transaction, as the server's group commit), on a table already holding `base` tasks, with the
 * indexes before migration 14 and with those after it. Same process, alternated rounds.
 */
function writeCost(base: number, perRound: number, rounds: number): string[] {
  const open = (migrations: number) => {
    const d = mkdtempSync(join(tmpdir(), "arkitekt-bench-writes-"));
    const db = new Database(join(d, "store.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.function(LOOKUP_KEY_FUNCTION, { deterministic: true }, (text: unknown) => (typeof text === "string" ? lookupKey(text) : null));
    for (const m of MIGRATIONS.slice(0, migrations)) db.exec(m);
    db.exec(`INSERT INTO agent (org, client_id, user_sub, iss, name, created_at) VALUES ('o', 'c', 'u', 'i', 'a', 0);
      INSERT INTO action (org, app, key, version, hash, name, kind, definition, defined_at) VALUES ('o', 'a', 'k', '1', 'h', 'n', 'FUNCTION', '{}', 0);
      INSERT INTO implementation (agent_id, action_id, interface, created_at) VALUES (1, 1, 'k', 0);
      INSERT INTO caller (org, client_id, user_sub, iss) VALUES ('o', 'c', 'u', 'i');`);
    // from migration 15 the reference and the args hash are indexed by their integer keys
    const keyed = migrations >= 15;
    const statement = db.prepare(
      `INSERT INTO task (org, action_id, implementation_id, agent_id, caller_id, reference, args, args_hash, parent_id, root_id, created_at, updated_at${keyed ? ", reference_key, args_key" : ""})
       VALUES ('o', 1, 1, 1, 1, ?, '{"x":1}', ?, ?, ?, ?, ?${keyed ? ", ?, ?" : ""})`,
    );
    const insert = {
      run: (reference: string, argsHash: string, parent: number | null, root: number | null, created: number, updated: number) =>
        keyed ? statement.run(reference, argsHash, parent, root, created, updated, lookupKey(reference), lookupKey(argsHash)) : statement.run(reference, argsHash, parent, root, created, updated),
    };
    const done = db.prepare("UPDATE task SET latest_event_kind = 'COMPLETED', is_done = 1, updated_at = ?, finished_at = ? WHERE id = ? AND is_done = 0");
    let n = 0;
    const write = (count: number) => {
      for (let i = 0; i < count; i += 64) {
        db.transaction(() => {
          for (let k = 0; k < 64; k++, n++) {
            const child = n % 7 === 0 && n > 0;
            // a fresh uuid4 reference (as the generated clients and the Python client send) and a content hash
            const id = Number(insert.run(randomUUID(), createHash("sha256").update(`{"x":${n % 99991}}`).digest("hex"), child ? n : null, child ? n : null, n, n).lastInsertRowid);
            done.run(n, n, id);
          }
        })();
      }
    };
    write(base);
    return { write, close: () => (db.close(), rmSync(d, { recursive: true, force: true })) };
  };
  const before = open(13);
  const texts = open(14);
  const after = open(MIGRATIONS.length);
  const times = { before: 0, texts: 0, after: 0 };
  const order = [["before", before], ["texts", texts], ["after", after]] as const;
  for (let r = 0; r < rounds; r++) {
    for (const [name, db] of r % 2 === 0 ? order : [...order].reverse()) {
      const t0 = process.cpuUsage();
      db.write(perRound);
      const used = process.cpuUsage(t0);
      times[name] += used.user + used.system;
    }
  }
  before.close();
  texts.close();
  after.close();
  const per = (µs: number) => `${(µs / (perRound * rounds)).toFixed(1)} µs`;
  return [
    `| task writes (insert + finish, 64 per transaction) on ${base.toLocaleString("en")} stored tasks, CPU per task | task indexes before migration 14 (5: org, agent+is_done, caller+reference, parent, root) | migration 14 (8 + 5 partial; reference and args hash as text) | migration 15 (reference and args hash by integer key) |`,
    "| --- | --- | --- | --- |",
    `| ${(perRound * rounds).toLocaleString("en")} tasks, ${rounds} alternated rounds | ${per(times.before)} | ${per(times.texts)} | ${per(times.after)} |`,
  ];
}

// ------------------------------------------------------------------------------------------------ server

function startServer(dataDir: string, tokensFile: string, root = ROOT): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean), join(root, "bin/arkitekt-next.js"), "server", "--port", "0", "--data", dataDir, "--tokens", tokensFile],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return serverUrl(child).then((url) => ({ child, url }));
}

const cpuMs = processCpuMs;

interface Timed {
  p50: number;
  p99: number;
  floorP50: number;
  bytes: number;
  /** The server's CPU (user + sys) per run of the query and its floor run, ms. */
  cpu: number;
}

/** A running server the queries are timed against. */
interface Target {
  url: string;
  pid: number;
}

/**
 * p50 / p99 of a query over HTTP, each run alternating with a run of the floor query (same conditions
 * for both). With two targets, each run goes to both, in alternating order.
 */
async function timeCase(targets: readonly Target[], c: GqlCase, floor: GqlCase): Promise<Timed[]> {
  const post = async (url: string, q: GqlCase) => {
    const body = JSON.stringify({ query: q.query, variables: q.variables ?? {} });
    const headers = { "content-type": "application/json", authorization: `Bearer ${q.token ?? "bench-caller"}` };
    const t0 = performance.now();
    let text: string;
    if (USE_FETCH) text = await (await fetch(`${url}/graphql`, { method: "POST", headers, body })).text();
    else text = await (await request(`${url}/graphql`, { method: "POST", headers, body })).body.text();
    return { t: performance.now() - t0, text };
  };
  const state = targets.map(() => ({ times: [] as number[], floors: [] as number[], bytes: 0, cpu: 0 }));
  for (let i = 0; i < WARM + RUNS; i++) {
    const order = i % 2 === 0 ? targets.map((_, k) => k) : targets.map((_, k) => targets.length - 1 - k);
    for (const k of order) {
      const target = targets[k]!;
      const st = state[k]!;
      const c0 = i >= WARM ? cpuMs(target.pid) : 0;
      const f = await post(target.url, floor);
      const r = await post(target.url, c);
      if (i === 0) {
        const json = JSON.parse(r.text) as { errors?: unknown };
        if (json.errors) throw new Error(`${c.name}: ${JSON.stringify(json.errors).slice(0, 500)}`);
        st.bytes = r.text.length;
      }
      if (i >= WARM) {
        st.cpu += cpuMs(target.pid) - c0;
        st.times.push(r.t);
        st.floors.push(f.t);
      }
    }
  }
  return state.map((st) => {
    st.times.sort((a, b) => a - b);
    st.floors.sort((a, b) => a - b);
    return { p50: percentile(st.times, 50), p99: percentile(st.times, 99), floorP50: percentile(st.floors, 50), bytes: st.bytes, cpu: st.cpu / RUNS };
  });
}

/** A child process holding `count` raw agents on /agi (REGISTER, answer HEARTBEAT, nothing else). */
function startAgents(url: string, from: number, count: number): Promise<ChildProcess> {
  const code = `
    import WebSocket from "ws";
    const [url, from, count] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    let ready = 0, heartbeats = 0;
    for (let i = from; i < from + count; i++) {
      const ws = new WebSocket(url + "/agi");
      ws.on("open", () => ws.send(JSON.stringify({ type: "REGISTER", token: "hb-" + i, force: true })));
      let registered = false;
      ws.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith('{"type":"HEARTBEAT"')) { heartbeats++; ws.send('{"type":"HEARTBEAT_ANSWER"}'); }
        else if (!registered) { registered = true; if (++ready === count) console.log("ready"); }
      });
      ws.on("close", (c, r) => console.log("closed " + i + " " + c + " " + r));
      ws.on("error", (e) => console.log("error " + i + " " + e.message));
    }
    process.stdin.on("data", () => console.log("heartbeats " + heartbeats));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code, url.replace("http", "ws"), String(from), String(count)], { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line === "ready") resolve(child);
      else if (!line.startsWith("heartbeats")) process.stderr.write(`agents: ${line}\n`);
    });
    child.once("exit", (code) => reject(new Error(`agents exited ${code}`)));
  });
}

async function heartbeatsOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: child.stdout! });
    const onLine = (line: string) => {
      if (line.startsWith("heartbeats ")) {
        rl.off("line", onLine);
        resolve(Number(line.slice(11)));
      }
    };
    rl.on("line", onLine);
    child.stdin!.write("?\n");
  });
}

// ------------------------------------------------------------------------------------------------ run

const dir = KEEP_STORE ?? mkdtempSync(join(tmpdir(), "arkitekt-bench-scale-"));
const dataDir = join(dir, "store");
const seededFile = join(dir, "seeded.json");
const tokens: Record<string, unknown> = {
  "bench-caller": { sub: "caller", client_id: "bench-caller", active_org: "bench", client_app: "bench-caller", client_release: "1.0.0" },
};
for (let h = 0; h < HB_AGENTS; h++) tokens[`hb-${h}`] = { sub: `hb-${h}`, client_id: `hb-${h}`, active_org: "bench", client_app: "hb-app", client_release: "1.0.0" };
const tokensFile = join(dir, "tokens.json");

/** The seeded store kept by an earlier run with `--store` (same size), or undefined. */
function keptStore(): Seeded | undefined {
  if (!KEEP_STORE || !existsSync(seededFile)) return undefined;
  const kept = JSON.parse(readFileSync(seededFile, "utf8")) as { tasks: number; agents: number; seeded: Seeded };
  return kept.tasks === TASKS && kept.agents === HB_AGENTS ? kept.seeded : undefined;
}

const out: string[] = [];
try {
  mkdirSync(dir, { recursive: true });
  writeFileSync(tokensFile, JSON.stringify(tokens));
  let seeded = keptStore();
  if (seeded) {
    out.push(`Reused the store seeded with ${TASKS.toLocaleString("en")} tasks in ${dir} (--store).`, "");
  } else {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(dir, "store-compare"), { recursive: true, force: true });
    const t0 = performance.now();
    seeded = seed(dataDir);
    const seedS = (performance.now() - t0) / 1000;
    if (KEEP_STORE) writeFileSync(seededFile, JSON.stringify({ tasks: TASKS, agents: HB_AGENTS, seeded }));
    out.push(`Seeded ${TASKS.toLocaleString("en")} tasks (${ORGS.map((o) => `${o.org} ${Math.round(o.share * 100)}%`).join(", ")}; ${AGENTS_PER_ORG} agents, ${ACTIONS_PER_ORG} actions, ${CALLERS_PER_ORG} callers per organisation, ${HB_AGENTS} more agents in bench; 15% child tasks, 0.1% open, 1-3 events per task) in ${seedS.toFixed(1)} s.`, "");
  }
  if (!argv.includes("--idle-only") && !QUERIES_ONLY) out.push(...sqlReport(dataDir, seeded), "", ...writeCost(quick ? 100_000 : 300_000, quick ? 20_000 : 50_000, 4), "");
  if (!argv.includes("--sql-only")) await serverPart(seeded, argv.includes("--idle-only"));
} finally {
  if (!KEEP_STORE) rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${out.join("\n")}\n`);
}

/** A copy of the seeded store for the `--compare` server (made once per kept store). */
function compareStore(): string {
  const target = join(dir, "store-compare");
  if (!existsSync(join(target, STORE_FILE))) cpSync(dataDir, target, { recursive: true });
  return target;
}

async function serverPart(seeded: Seeded, idleOnly: boolean): Promise<void> {
  const servers: Array<{ child: ChildProcess; url: string }> = [];
  try {
    if (COMPARE_ROOT && !idleOnly) servers.push(await startServer(compareStore(), tokensFile, COMPARE_ROOT));
    servers.push(await startServer(dataDir, tokensFile));
    const { child, url } = servers[servers.length - 1]!;
    const all = idleOnly ? [] : clientCases(seeded.bench);
    const floorCase = all.find((c) => c.target === "floor")!;
    const timed = all.filter((x) => x !== floorCase && (!ONLY || ONLY.some((o) => x.name.includes(o))));
    const targets = servers.map((s) => ({ url: s.url, pid: s.child.pid! }));
    if (!idleOnly && COMPARE_ROOT) {
      out.push(
        `| query over HTTP (org bench, ${TASKS.toLocaleString("en")} stored tasks; ${RUNS} runs, each after a run of the floor, the two servers alternated) | ${COMPARE_ROOT}: p50 / p99 | this checkout: p50 / p99 | floor p50 (compare / this) | server CPU per run, query + floor (compare / this) | response (compare / this) |`,
        "| --- | --- | --- | --- | --- | --- |",
      );
    } else if (!idleOnly) {
      out.push(
        `| query over HTTP (org bench, ${TASKS.toLocaleString("en")} stored tasks; ${RUNS} runs, each after a run of the floor) | p50 / p99 | floor p50 (same runs) | p50 above floor | server CPU per run, query + floor | response | target p50 ≤ ${TARGET_MS} ms |`,
        "| --- | --- | --- | --- | --- | --- | --- |",
      );
    }
    for (const c of timed) {
      const results = await timeCase(targets, c, floorCase);
      if (COMPARE_ROOT) {
        const [a, b] = results as [Timed, Timed];
        process.stderr.write(`scale: ${c.name}: compare p50 ${ms(a.p50)} (cpu ${ms(a.cpu)}), this p50 ${ms(b.p50)} (cpu ${ms(b.cpu)})\n`);
        out.push(`| \`${c.target}\`: ${c.name} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(b.p50)} / ${ms(b.p99)} | ${ms(a.floorP50)} / ${ms(b.floorP50)} | ${ms(a.cpu)} / ${ms(b.cpu)} | ${(a.bytes / 1024).toFixed(1)} / ${(b.bytes / 1024).toFixed(1)} KB |`);
      } else {
        const r = results[0]!;
        process.stderr.write(`scale: ${c.name}: p50 ${ms(r.p50)}, floor ${ms(r.floorP50)}, cpu ${ms(r.cpu)}\n`);
        out.push(`| \`${c.target}\`: ${c.name} | ${ms(r.p50)} / ${ms(r.p99)} | ${ms(r.floorP50)} | ${ms(r.p50 - r.floorP50)} | ${ms(r.cpu)} | ${(r.bytes / 1024).toFixed(1)} KB | ${r.p50 <= TARGET_MS ? "met" : "missed"} |`);
      }
    }
    out.push("");
    if (QUERIES_ONLY) return;

    // idle agents: connect them, let the connections settle, then measure the server's CPU
    const half = Math.ceil(HB_AGENTS / 2);
    const cpuBefore0 = cpuMs(child.pid!);
    const agents = [await startAgents(url, 0, half), await startAgents(url, half, HB_AGENTS - half)];
    const registerCpu = cpuMs(child.pid!) - cpuBefore0;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const hb0 = (await Promise.all(agents.map(heartbeatsOf))).reduce((a, b) => a + b, 0);
    const c0 = cpuMs(child.pid!);
    const w0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
    const used = cpuMs(child.pid!) - c0;
    const wall = performance.now() - w0;
    const hb1 = (await Promise.all(agents.map(heartbeatsOf))).reduce((a, b) => a + b, 0);
    const pct = (100 * used) / wall;
    out.push(
      "| idle agents | result | target |",
      "| --- | --- | --- |",
      `| ${HB_AGENTS} agents registered on /agi (two client processes): server CPU to register them all | ${registerCpu.toFixed(0)} ms | |`,
      `| heartbeats answered in ${IDLE_S} s idle | ${hb1 - hb0} (${((hb1 - hb0) / (wall / 1000)).toFixed(0)}/s) | |`,
      `| server CPU while idle with ${HB_AGENTS} agents, share of one core | ${pct.toFixed(2)}% (${used.toFixed(0)} ms in ${(wall / 1000).toFixed(1)} s; ${hb1 > hb0 ? ((used * 1000) / (hb1 - hb0)).toFixed(0) : "?"} µs per heartbeat) | ≤ ${TARGET_IDLE_CPU}%: ${pct <= TARGET_IDLE_CPU ? "met" : "missed"} |`,
    );
    for (const a of agents) a.kill("SIGTERM");
  } finally {
    for (const s of servers) {
      s.child.kill("SIGTERM");
      await new Promise((resolve) => s.child.once("exit", resolve));
    }
  }
}
