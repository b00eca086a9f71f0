#!/usr/bin/env node
// Benchmark of `arkitekt-next gen` on synthetic projects of 10, 100 and 1000 registered functions:
// cold runs (a fresh process each, as the CLI runs) and incremental regenerations in watch mode
// (one long-lived generator, one file edited). Baseline in the same run: `tsc --noEmit` on the
// same project. Usage: npm run build && node bench/extract/run.mjs [--sizes 10,100,1000] [--runs 3]
// Writes bench/extract/RESULTS.md.
import { rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

import { coldRun, incremental, median, tscBaseline } from "./lib.mjs";
import { PER_FILE, REPO, makeProject } from "./project.mjs";
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SIZES = opt("sizes", "10,100,1000").split(",").map(Number);
const RUNS = Number(opt("runs", "3"));
const EDITS = Number(opt("edits", "5"));

const loadStart = loadavg().map((l) => l.toFixed(1)).join(" / ");
const rows = [];
let incrementalRow;
for (const n of SIZES) {
  const dir = makeProject(n);
  const cold = [];
  for (let r = 0; r < RUNS; r++) cold.push(coldRun(dir));
  const tsc = [];
  for (let r = 0; r < RUNS; r++) tsc.push(tscBaseline(dir));
  const row = {
    n,
    files: cold[0].files,
    wall: median(cold.map((c) => c.wall)),
    inProcess: median(cold.map((c) => c.ms)),
    cpu: median(cold.map((c) => c.cpuMs)),
    rss: Math.max(...cold.map((c) => c.rssMb)),
    tsc: median(tsc),
  };
  rows.push(row);
  process.stderr.write(`n=${n}: cold ${row.wall.toFixed(0)} ms wall, ${row.inProcess.toFixed(0)} ms in process (${row.cpu.toFixed(0)} ms CPU), ${row.rss.toFixed(0)} MB peak; tsc (generated code included) ${row.tsc.toFixed(0)} ms\n`);
  if (n === Math.max(...SIZES)) {
    const inc = incremental(dir, EDITS);
    incrementalRow = { n, median: median(inc.times), cpu: median(inc.cpus), times: inc.times, fresh: inc.fresh, firstMs: inc.firstMs, rss: inc.rssMb };
    process.stderr.write(`n=${n}: incremental median ${incrementalRow.median.toFixed(0)} ms (${inc.times.map((t) => t.toFixed(0)).join(", ")}); full regeneration in a warm process ${inc.fresh.toFixed(0)} ms\n`);
  }
  rmSync(dir, { recursive: true, force: true });
}

const lines = [
  "# bench/extract: `arkitekt-next gen` on synthetic projects",
  "",
  `Command: \`npm run build && node bench/extract/run.mjs --sizes ${SIZES.join(",")} --runs ${RUNS} --edits ${EDITS}\``,
  "",
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Load average at start ${loadStart}, at end ${loadavg().map((l) => l.toFixed(1)).join(" / ")} (other jobs on this 2-core machine inflate wall times; CPU time is the steadier figure).`,
  "",
  `Each project has ${PER_FILE} functions per file; each function takes a structure, an interface (MODEL with an enum field), an Int with a default, a list and a nullable enum, and returns a tuple of a structure and a dict.`,
  "",
  "## Cold runs (a fresh process each, generated/ deleted first; median of runs)",
  "",
  "| functions | files written | wall (process) | in process | CPU (user+sys) | peak RSS | baseline: `tsc --noEmit` on the project |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((r) => `| ${r.n} | ${r.files} | ${r.wall.toFixed(0)} ms | ${r.inProcess.toFixed(0)} ms | ${r.cpu.toFixed(0)} ms | ${r.rss.toFixed(0)} MB | ${r.tsc.toFixed(0)} ms |`),
  "",
  "Target: 1000 functions cold ≤ 5 s.",
  "",
];
if (incrementalRow) {
  lines.push(
    `## Incremental regeneration (watch mode, ${incrementalRow.n} functions, one file edited)`,
    "",
    "One long-lived generator (as `gen --watch` keeps it): a parameter type in one file of 10 functions is changed, then `update([file])` + `run()` (extract, emit, format, write).",
    "",
    "| median | median CPU | runs | first run of that process | baseline: full regeneration in the same warm process | peak RSS |",
    "| ---: | ---: | --- | ---: | ---: | ---: |",
    `| ${incrementalRow.median.toFixed(0)} ms | ${incrementalRow.cpu.toFixed(0)} ms | ${incrementalRow.times.map((t) => t.toFixed(0)).join(", ")} ms | ${incrementalRow.firstMs.toFixed(0)} ms | ${incrementalRow.fresh.toFixed(0)} ms | ${incrementalRow.rss.toFixed(0)} MB |`,
    "",
    "Target: incremental ≤ 150 ms.",
    "",
  );
}
writeFileSync(join(REPO, "bench/extract/RESULTS.md"), lines.join("\n"));
process.stderr.write("wrote bench/extract/RESULTS.md\n");
