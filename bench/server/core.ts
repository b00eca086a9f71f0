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
import { BENCH_CALLER as caller, setUpCore, type CoreSetup as Setup, type FloorRows, floorRows } from "./floor.js";

const quick = process.argv.includes("--quick");
const rounds = quick ? 3 : 7;
const perRoundOne = quick ? 2000 : 5000;
const perRoundGroup = quick ? 64 * 60 : 64 * 160;
const GROUP = 64;
/** The whole server's budget per task (issue 18); the core is one part of it. */
const SERVER_TARGET_US = 200;

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
async function floor(rows: FloorRows, n: number, group: number): Promise<number> {
  const { db } = rows;
  const c0 = process.cpuUsage();
  if (group === 1) {
    for (let i = 0; i < n; i++) {
      const x = counter++;
      db.exec("BEGIN");
      const id = rows.task(x);
      db.exec("COMMIT");
      await turn();
      db.exec("BEGIN");
      rows.events(id, x);
      db.exec("COMMIT");
      await turn();
    }
  } else {
    for (let i = 0; i < n; i += group) {
      db.exec("BEGIN");
      for (let j = 0; j < group; j++) {
        const x = counter++;
        rows.events(rows.task(x), x);
      }
      db.exec("COMMIT");
      await turn();
    }
  }
  return cpuUs(c0) / n;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const bench = setUpCore();
const floorSetup = setUpCore();
const st = floorRows(floorSetup);
// warm-up: JIT and caches
await core(bench, 1000, 1);
await core(bench, 64 * 20, GROUP);
await floor(st, 1000, 1);
await floor(st, 64 * 20, GROUP);
const results = { one: [] as number[], group: [] as number[], floorOne: [] as number[], floorGroup: [] as number[] };
for (let r = 0; r < rounds; r++) {
  results.one.push(await core(bench, perRoundOne, 1));
  results.floorOne.push(await floor(st, perRoundOne, 1));
  results.group.push(await core(bench, perRoundGroup, GROUP));
  results.floorGroup.push(await floor(st, perRoundGroup, GROUP));
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
bench.close();
floorSetup.close();
