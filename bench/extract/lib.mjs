// The measurements of bench/extract, shared with bench/codegen (which prints the 1,000-function
// targets beside the stock graphql-codegen floor): a cold `gen` in a fresh process, and incremental
// regenerations in one long-lived generator (as `gen --watch` keeps it).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { REPO } from "./project.mjs";

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const codegen = pathToFileURL(join(REPO, "dist/src/codegen/index.js")).href;
// The gen command (runGen: what `arkitekt-next gen` runs after parsing its flags, V8 tuning included).
const genCommand = pathToFileURL(join(REPO, "dist/src/cli/commands/gen.js")).href;

/** One cold gen in a fresh process, as `arkitekt-next gen` runs it: wall time, in-process time, peak RSS. */
export function coldRun(dir) {
  rmSync(join(dir, "generated"), { recursive: true, force: true });
  const script = `
    const started = performance.now();
    const { runGen } = await import(${JSON.stringify(genCommand)});
    const { silentLogger } = await import(${JSON.stringify(codegen)});
    const result = await runGen({ cwd: ${JSON.stringify(dir)} }, silentLogger);
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
export function incremental(dir, EDITS = 5) {
  const script = `
    import { readFileSync, writeFileSync } from "node:fs";
    // as \`gen --watch\` runs: the gen command's V8 tuning, then one long-lived generator
    (await import(${JSON.stringify(genCommand)})).tuneV8ForGen();
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

export function tscBaseline(dir) {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  const ms = performance.now() - t0;
  if (child.status !== 0) throw new Error(`tsc failed on ${dir}: ${child.stdout}`);
  return ms;
}

