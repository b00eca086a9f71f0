#!/usr/bin/env node
// Benchmark of `arkitekt-next gen` on synthetic projects of 10, 100 and 1000 registered functions:
// cold runs (a fresh process each, as the CLI runs) and incremental regenerations in watch mode
// (one long-lived generator, one file edited). Baseline in the same run: `tsc --noEmit` on the
// same project. Usage: npm run build && node bench/extract/run.mjs [--sizes 10,100,1000] [--runs 3]
// Writes bench/extract/RESULTS.md.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { PER_FILE, REPO, makeProject } from "./project.mjs";
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SIZES = opt("sizes", "10,100,1000").split(",").map(Number);
const RUNS = Number(opt("runs", "3"));
const EDITS = Number(opt("edits", "5"));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const codegen = pathToFileURL(join(REPO, "dist/src/codegen/index.js")).href;

/** One cold gen in a fresh process: wall time, in-process time, peak RSS. */
function coldRun(dir) {
  rmSync(join(dir, "generated"), { recursive: true, force: true });
  const script = `
    const started = performance.now();
    const { generate } = await import(${JSON.stringify(codegen)});
    const result = await generate({ cwd: ${JSON.stringify(dir)} });
    if (!result.ok) { console.error(JSON.stringify(result.diagnostics.slice(0, 3))); process.exit(1); }
    const usage = process.resourceUsage();
    console.log(JSON.stringify({ ms: performance.now() - started, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, rssMb: usage.maxRSS / 1024, files: result.files.length, functions: result.functionCount }));
  `;
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  const wall = performance.now() - t0;
  if (child.status !== 0) throw new Error(`gen failed: ${child.stderr}`);
  return { wall, ...JSON.parse(child.stdout) };
}

/** A long-lived generator (as --watch keeps it): edit one file, update, regenerate; median of EDITS. */
function incremental(dir) {
  const script = `
    import { readFileSync, writeFileSync } from "node:fs";
    const { Generator } = await import(${JSON.stringify(codegen)});
    const generator = new Generator(${JSON.stringify(dir)});
    let t = performance.now();
    const first = await generator.run(false, true); // as gen --watch starts: every stage runs (warm for the edits)
    const firstMs = performance.now() - t;
    const file = ${JSON.stringify(join(dir, "src/group0000/index.ts"))};
    const original = readFileSync(file, "utf8");
    const times = [];
    const cpus = [];
    for (let i = 0; i < ${EDITS}; i++) {
      writeFileSync(file, i % 2 === 0 ? original.replace("count: Int = 3", "count: number = 3") : original);
      t = performance.now();
      const cpu0 = process.cpuUsage();
      generator.update([file]);
      const result = await generator.run();
      times.push(performance.now() - t);
      const cpu = process.cpuUsage(cpu0);
      cpus.push((cpu.user + cpu.system) / 1000);
      if (!result.ok || result.written.length === 0) { console.error("no change written"); process.exit(1); }
    }
    // Baseline: a full regeneration from scratch in the same warm process.
    t = performance.now();
    await new Generator(${JSON.stringify(dir)}, { force: true }).run();
    const fresh = performance.now() - t;
    console.log(JSON.stringify({ firstMs, times, cpus, fresh, rssMb: process.resourceUsage().maxRSS / 1024 }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`incremental failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

function tscBaseline(dir) {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  const ms = performance.now() - t0;
  if (child.status !== 0) throw new Error(`tsc failed on ${dir}: ${child.stdout}`);
  return ms;
}

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
    const inc = incremental(dir);
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
