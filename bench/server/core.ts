/**
 * The platform core alone (no sockets, no GraphQL): assign + YIELD + COMPLETED per task against a
 * real store, to separate the core's cost from the transports'. Prints CPU per task (this process,
 * user + sys) beside the same run's floor: plain better-sqlite3 inserts of the rows a task leaves
 * (one task row, its YIELD and COMPLETED events) in transactions of the same size, in a store of
 * the same schema. Each task carries a fresh uuid4 reference, as the generated clients send.
 *
 *   node --import tsx bench/server/core.ts [--quick]
 *
 * Two shapes:
 * - one task at a time: assign, commit, then YIELD + COMPLETED, commit (as one caller over the
 *   sockets: the assign is answered once committed, the reports are acked once committed);
 * - group commit: 64 tasks assigned and reported per commit (a loaded server's turn).
 * Each shape runs `rounds` times, alternated with its floor; the median is printed.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandClaims } from "../../src/server/auth.js";
import { compileOptions } from "../../src/server/options.js";
import { Platform, type AgentLink } from "../../src/server/platform.js";
import { lookupKey } from "../../src/server/store/lookup-key.js";
import { Store } from "../../src/server/store/store.js";
import { ECHO_DEFINITION } from "./harness.js";

const quick = process.argv.includes("--quick");
const rounds = quick ? 3 : 7;
const perRoundOne = quick ? 2000 : 5000;
const perRoundGroup = quick ? 64 * 60 : 64 * 160;
const GROUP = 64;
/** The whole server's budget per task (issue 18); the core is one part of it. */
const SERVER_TARGET_US = 200;

interface Setup {
  dataDir: string;
  store: Store;
  platform: Platform;
  link: AgentLink;
  impl: string;
  ids: { agent: number; action: number; impl: number; caller: number };
}

function setUp(): Setup {
  const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-core-"));
  const options = compileOptions({ dataDir });
  const store = new Store(dataDir);
  const platform = new Platform(store, options, options.logger);
  const agentIdentity = expandClaims("a", { sub: "agent", client_id: "agent", active_org: "bench" });
  platform.implementAgent(agentIdentity, {
    implementations: [{ interface: "echo", definition: { ...ECHO_DEFINITION, args: [...ECHO_DEFINITION.args], returns: [...ECHO_DEFINITION.returns] } }],
  });
  const claim = platform.claim(agentIdentity, "conn", true, "session-1");
  if (!claim.ok) throw new Error("claim failed");
  const link: AgentLink = {
    connectionId: "conn",
    agentId: claim.agent.id,
    identity: agentIdentity,
    epoch: claim.epoch,
    lastOutboxId: 0,
    send: () => undefined,
    close: () => undefined,
  };
  store.commit();
  platform.attach(link);
  const implRow = store.implementationsOfAgent(claim.agent.id)[0]!;
  const callerRow = store.ensureCaller(caller);
  store.commit();
  return { dataDir, store, platform, link, impl: String(implRow.id), ids: { agent: claim.agent.id, action: implRow.action_id, impl: implRow.id, caller: callerRow.id } };
}

const caller = expandClaims("c", { sub: "caller", client_id: "caller", active_org: "bench" });
const turn = () => new Promise((resolve) => setImmediate(resolve));
const cpuUs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};

let counter = 0;

/** The core: one task at a time (two commits per task) or GROUP tasks per commit. */
async function core(s: Setup, n: number, group: number): Promise<number> {
  const c0 = process.cpuUsage();
  if (group === 1) {
    for (let i = 0; i < n; i++) {
      if (i % 1000 === 0) s.platform.renew(s.link); // the heartbeat: the agent stays live (staleAfterMs)
      const x = counter++;
      const task = s.platform.assign(caller, { implementation: s.impl, args: { x }, reference: randomUUID() });
      await turn(); // the assign's commit
      s.platform.report(s.link, { type: "YIELD", task: String(task.id), seq: 2 * x, returns: { return0: x } });
      s.platform.report(s.link, { type: "COMPLETED", task: String(task.id), seq: 2 * x + 1 });
      await turn(); // the reports' commit
    }
  } else {
    for (let i = 0; i < n; i += group) {
      if (i % (group * 16) === 0) s.platform.renew(s.link);
      for (let j = 0; j < group; j++) {
        const x = counter++;
        const task = s.platform.assign(caller, { implementation: s.impl, args: { x }, reference: randomUUID() });
        s.platform.report(s.link, { type: "YIELD", task: String(task.id), seq: 2 * x, returns: { return0: x } });
        s.platform.report(s.link, { type: "COMPLETED", task: String(task.id), seq: 2 * x + 1 });
      }
      await turn();
    }
  }
  return cpuUs(c0) / n;
}

/** The floor: the same rows (task + YIELD + COMPLETED events) as plain prepared inserts, same commits. */
function floorStatements(s: Setup) {
  const db = s.store.db;
  return {
    task: db.prepare(
      `INSERT INTO task (org, action_id, implementation_id, agent_id, caller_id, reference, reference_key, args, args_hash, args_key, created_at, updated_at)
       VALUES ('bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    event: db.prepare("INSERT INTO task_event (task_id, kind, returns, level, created_at, seq, session) VALUES (?, ?, ?, 'INFO', ?, ?, ?)"),
  };
}

async function floor(s: Setup, st: ReturnType<typeof floorStatements>, n: number, group: number): Promise<number> {
  const db = s.store.db;
  const { agent, action, impl, caller: callerId } = s.ids;
  const one = (x: number, begin: boolean) => {
    const now = Date.now();
    if (begin) db.exec("BEGIN");
    const reference = randomUUID();
    const argsHash = `${x.toString(16).padStart(8, "0")}0123456789abcdef01234567`;
    const id = Number(st.task.run(action, impl, agent, callerId, reference, lookupKey(reference), `{"x":${x}}`, argsHash, lookupKey(argsHash), now, now).lastInsertRowid);
    return { id, now };
  };
  const c0 = process.cpuUsage();
  if (group === 1) {
    for (let i = 0; i < n; i++) {
      const x = counter++;
      const { id, now } = one(x, true);
      db.exec("COMMIT");
      await turn();
      db.exec("BEGIN");
      st.event.run(id, "YIELD", `{"return0":${x}}`, now, 2 * x, "session-1");
      st.event.run(id, "COMPLETED", null, now, null, null);
      db.exec("COMMIT");
      await turn();
    }
  } else {
    for (let i = 0; i < n; i += group) {
      db.exec("BEGIN");
      for (let j = 0; j < group; j++) {
        const x = counter++;
        const { id, now } = one(x, false);
        st.event.run(id, "YIELD", `{"return0":${x}}`, now, 2 * x, "session-1");
        st.event.run(id, "COMPLETED", null, now, null, null);
      }
      db.exec("COMMIT");
      await turn();
    }
  }
  return cpuUs(c0) / n;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const bench = setUp();
const floorSetup = setUp();
const st = floorStatements(floorSetup);
// warm-up: JIT and caches
await core(bench, 1000, 1);
await core(bench, 64 * 20, GROUP);
await floor(floorSetup, st, 1000, 1);
await floor(floorSetup, st, 64 * 20, GROUP);
const results = { one: [] as number[], group: [] as number[], floorOne: [] as number[], floorGroup: [] as number[] };
for (let r = 0; r < rounds; r++) {
  results.one.push(await core(bench, perRoundOne, 1));
  results.floorOne.push(await floor(floorSetup, st, perRoundOne, 1));
  results.group.push(await core(bench, perRoundGroup, GROUP));
  results.floorGroup.push(await floor(floorSetup, st, perRoundGroup, GROUP));
}
const fmt = (v: number) => `${v.toFixed(0)} µs`;
const spread = (values: number[]) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
const verdict = (v: number) => (v <= SERVER_TARGET_US ? "within" : "over");
const lines = [
  `| core (no sockets, no GraphQL), CPU per task (median of ${rounds} rounds; range) | core | floor: plain better-sqlite3 inserts of the same rows |`,
  "| --- | --- | --- |",
  `| one task at a time: assign, commit, YIELD + COMPLETED, commit | ${fmt(median(results.one))} (${spread(results.one)}) | ${fmt(median(results.floorOne))} (${spread(results.floorOne)}) |`,
  `| group commit: ${GROUP} tasks assigned and reported per commit | ${fmt(median(results.group))} (${spread(results.group)}) | ${fmt(median(results.floorGroup))} (${spread(results.floorGroup)}) |`,
  "",
  `Target (the whole server, sockets and GraphQL included): ≤ ${SERVER_TARGET_US} µs of CPU per task. ` +
    `The core alone is ${verdict(median(results.one))} it one task at a time (${fmt(median(results.one))}) and ${verdict(median(results.group))} it with group commit (${fmt(median(results.group))}); ` +
    `the core costs ${(median(results.one) / median(results.floorOne)).toFixed(1)}× / ${(median(results.group) / median(results.floorGroup)).toFixed(1)}× its SQLite floor.`,
];
process.stdout.write(`${lines.join("\n")}\n`);
for (const s of [bench, floorSetup]) {
  s.platform.close();
  s.store.close();
  rmSync(s.dataDir, { recursive: true, force: true });
}
