// Benchmark of `arkitekt-next gen` against the stock graphql-codegen CLI (issue 18's codegen targets).
//
// Every run is a fresh `node` process timed from spawn to exit (wall) with its CPU (user+sys) and
// peak RSS from /usr/bin/time; the variants alternate, after one warm-up each. The floor is the
// stock graphql-codegen CLI run in the same session on the package's own codegen config (the same
// schema, documents and outputs, with the stock plugins only: it neither runs our function layer
// nor formats). Targets (issue 18), each printed beside that floor and marked met / missed:
//
//   unchanged project, `gen` and `gen --check`, at the package root and in a functions app
//   (examples/app): <= 0.25x the floor (the stage content keys in generated/.arkitekt-gen.json);
//   changed project (a document, or a document and the schema, edited in a copy of the package's
//   GraphQL project before each run) <= 0.7x the floor;
//   1,000 registered functions (bench/extract's synthetic project): cold <= 3 s, incremental <= 100 ms.
//
// Usage: node bench/codegen/run.mjs [--runs N] [--quick] [--no-build] [--no-functions] [--write]
//   --quick         3 runs, one cold 1,000-function run, 3 incremental edits (about a minute)
//   --no-functions  skips the 1,000-function project
//   --write         writes bench/codegen/RESULTS.md
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { coldRun, incremental, median } from "../extract/lib.mjs";
import { makeProject } from "../extract/project.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const runsArg = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : NaN;
const runs = runsArg > 0 ? runsArg : quick ? 3 : 7;
const coldRuns = quick ? 1 : 3;
const edits = quick ? 3 : 5;
const hasTime = existsSync("/usr/bin/time");
const bin = path.join(root, "bin/arkitekt-next.js");
const app = path.join(root, "examples/app");

if (!args.includes("--no-build")) {
  // tsc emits even when other parts of the tree have type errors; the benchmark needs the CLI's JS.
  spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "ignore" });
}
if (!existsSync(path.join(root, "dist/src/cli/index.js"))) throw new Error("dist/src/cli/index.js missing: run npm run build");
for (const cwd of [root, app]) {
  const check = spawnSync(process.execPath, [bin, "gen", "--check", "--cwd", cwd], { encoding: "utf8" });
  // Every stage must skip: a manifest written by an older generator passes --check by regenerating.
  const summary = /stages: (.+?); unchanged, skipped: (.+), \d+ ms\)/.exec(check.stdout);
  if (check.status !== 0 || !summary || summary[1] !== summary[2]) {
    throw new Error(`generated/ of ${cwd} is stale or was written by another build of the generator (run \`npm run gen\` and \`node bin/arkitekt-next.js gen --cwd examples/app\` first):\n${check.stdout}${check.stderr}`);
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "ark-bench-codegen-"));

/** The package's codegen.yml with the stock plugins only, writing under tmp (the floor's config). */
function stockRootConfig() {
  const text = readFileSync(path.join(root, "codegen.yml"), "utf8")
    .replace(/^\s*- arkitekt-next\n/m, "")
    .replace(/^(\s*)clientImport: .*$/m, "$1documentMode: string\n$1dedupeOperationSuffix: true\n$1useTypeImports: true")
    .replace(/^schema: (.*)$/m, (_, p) => `schema: ${JSON.stringify(path.join(root, p.trim()))}`)
    .replace(/^documents: (.*)$/m, (_, p) => `documents: ${JSON.stringify(path.join(root, p.trim()))}`)
    .replace(/^  (generated\/[^:]+):$/gm, (_, p) => `  ${JSON.stringify(path.join(tmp, "stock-root", p))}:`);
  if (text.includes("arkitekt-next") && /plugins:[\s\S]*- arkitekt-next/.test(text)) throw new Error("could not derive the stock config from codegen.yml");
  const file = path.join(tmp, "stock-root.yml");
  writeFileSync(file, text);
  return file;
}

/** The earlier floor: the client output alone, with the 3 stock plugins a graphql-codegen user lists. */
function stockClientConfig() {
  const file = path.join(tmp, "stock-client.yml");
  writeFileSync(
    file,
    [
      `schema: ${JSON.stringify(path.join(root, "schemas/rekuest.graphql"))}`,
      `documents: ${JSON.stringify(path.join(root, "graphql/rekuest/*.graphql"))}`,
      "generates:",
      `  ${JSON.stringify(path.join(tmp, "stock-client", "rekuest.ts"))}:`,
      "    plugins: [typescript, typescript-operations, typed-document-node]",
      "    config:",
      "      documentMode: string",
      "      dedupeOperationSuffix: true",
      "",
    ].join("\n"),
  );
  return file;
}

/**
 * A copy of the package root's GraphQL project (config, schema, documents, generated/) in which each
 * run edits inputs before it: `doc` adds or removes an operation in one document (rekuest.ts changes,
 * the resolvers do not), `both` also adds or removes a type in the schema (both outputs change).
 */
function changedProject(name) {
  const dir = path.join(tmp, name);
  for (const entry of ["codegen.yml", "arkitekt.json", "schemas", "graphql", "generated/api", "generated/server", "generated/.arkitekt-gen.json"]) {
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  const doc = path.join(dir, "graphql/rekuest/task.graphql");
  const schema = path.join(dir, "schemas/rekuest.graphql");
  const original = { doc: readFileSync(doc, "utf8"), schema: readFileSync(schema, "utf8") };
  let edited = false;
  return {
    dir,
    edit(both) {
      edited = !edited;
      writeFileSync(doc, original.doc);
      writeFileSync(schema, original.schema);
      if (!edited) return;
      appendFileSync(doc, "\nquery BenchEdited {\n  __typename\n}\n");
      if (both) appendFileSync(schema, "\ntype BenchEdited {\n  id: ID!\n}\n");
    },
  };
}
const changedDoc = changedProject("changed-doc");
const changedBoth = changedProject("changed-both");

const stockBin = path.join(root, "node_modules/@graphql-codegen/cli/esm/bin.js");
const variants = [
  { name: "stock", label: "floor: stock graphql-codegen CLI on the package's codegen.yml (2 outputs, stock plugins)", argv: [stockBin, "--config", stockRootConfig(), "--silent"] },
  { name: "stockClient", label: "stock CLI, client output only (typescript + typescript-operations + typed-document-node)", argv: [stockBin, "--config", stockClientConfig(), "--silent"] },
  { name: "genRoot", label: "`gen`, package root, unchanged", argv: [bin, "gen"], target: 0.25 },
  { name: "checkRoot", label: "`gen --check`, package root, unchanged", argv: [bin, "gen", "--check"], target: 0.25 },
  { name: "genApp", label: "`gen`, functions app (examples/app), unchanged", argv: [bin, "gen", "--cwd", app], target: 0.25 },
  { name: "checkApp", label: "`gen --check`, functions app (examples/app), unchanged", argv: [bin, "gen", "--check", "--cwd", app], target: 0.25 },
  { name: "changedDoc", label: "changed project: `gen` after a document edit (package root's GraphQL project; rekuest.ts changes)", argv: [bin, "gen", "--cwd", changedDoc.dir], before: () => changedDoc.edit(false), target: 0.7 },
  { name: "changedBoth", label: "changed project: `gen` after a document and a schema edit (both outputs change)", argv: [bin, "gen", "--cwd", changedBoth.dir], before: () => changedBoth.edit(true), target: 0.7 },
  { name: "changedRoot", label: "`gen --check --force`, package root (every stage runs; formatted outputs reused by content)", argv: [bin, "gen", "--check", "--force"] },
  { name: "changedApp", label: "changed functions app: `gen --check --force --cwd examples/app` (for reference)", argv: [bin, "gen", "--check", "--force", "--cwd", app] },
];

function runOnce(variant) {
  variant.before?.();
  const timeFile = path.join(tmp, "time.txt");
  const command = hasTime ? "/usr/bin/time" : process.execPath;
  const commandArgs = hasTime ? ["-f", "%M %U %S", "-o", timeFile, process.execPath, ...variant.argv] : variant.argv;
  const started = process.hrtime.bigint();
  const child = spawnSync(command, commandArgs, { cwd: root, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${variant.name} failed (${child.status}): ${child.stdout}${child.stderr}`);
  if (variant.name.startsWith("gen") && !/up to date/.test(child.stdout)) throw new Error(`${variant.name} wrote files: ${child.stdout}`);
  if (variant.name.startsWith("changed") && variant.before && !/wrote generated\/api\/rekuest\.ts/.test(child.stdout)) throw new Error(`${variant.name} did not regenerate: ${child.stdout}`);
  let rssKb = NaN;
  let cpuMs = NaN;
  if (hasTime) {
    const [rss, user, sys] = (readFileSync(timeFile, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number);
    rssKb = rss;
    cpuMs = (user + sys) * 1000;
  }
  return { ms, rssKb, cpuMs };
}

const loadStart = os.loadavg().map((l) => l.toFixed(1)).join(" ");
for (const variant of variants) runOnce(variant); // warm-up: disk cache
const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
for (let i = 0; i < runs; i++) {
  for (const variant of variants) samples[variant.name].push(runOnce(variant));
  process.stderr.write(`run ${i + 1}/${runs} done\n`);
}
const stats = Object.fromEntries(
  variants.map((v) => {
    const s = samples[v.name];
    return [v.name, { ...v, ms: median(s.map((x) => x.ms)), minMs: Math.min(...s.map((x) => x.ms)), maxMs: Math.max(...s.map((x) => x.ms)), cpuMs: median(s.map((x) => x.cpuMs)), rssMb: Math.max(...s.map((x) => x.rssKb)) / 1024 }];
  }),
);
const floor = stats.stock;
const verdict = (ok) => (ok ? "met" : "missed");

const lines = [
  "| run | median wall ms | min–max wall ms | median CPU ms | peak RSS MB | wall / floor | CPU / floor | target | met? |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
];
for (const s of Object.values(stats)) {
  const wallRatio = s.ms / floor.ms;
  const cpuRatio = s.cpuMs / floor.cpuMs;
  const target = s.target === undefined ? "" : `≤ ${s.target}×`;
  const met = s.target === undefined ? "" : `${verdict(wallRatio <= s.target)} (CPU: ${verdict(cpuRatio <= s.target)})`;
  lines.push(`| ${s.label} | ${s.ms.toFixed(0)} | ${s.minMs.toFixed(0)}–${s.maxMs.toFixed(0)} | ${s.cpuMs.toFixed(0)} | ${s.rssMb.toFixed(0)} | ${wallRatio.toFixed(2)}× | ${cpuRatio.toFixed(2)}× | ${target} | ${met} |`);
}
lines.push(
  "",
  `Against the client-only stock run (the earlier floor, ${stats.stockClient.ms.toFixed(0)} ms wall, ${stats.stockClient.cpuMs.toFixed(0)} ms CPU): ` +
    ["genRoot", "checkRoot", "genApp", "checkApp", "changedDoc", "changedBoth"].map((n) => `${n} ${(stats[n].ms / stats.stockClient.ms).toFixed(2)}× wall / ${(stats[n].cpuMs / stats.stockClient.cpuMs).toFixed(2)}× CPU`).join(", ") +
    ".",
);

let functionLines = [];
if (!args.includes("--no-functions")) {
  const dir = makeProject(1000);
  try {
    const cold = [];
    coldRun(dir); // warm-up (disk cache, the compiler's V8 code cache), as for the other variants
    for (let r = 0; r < coldRuns; r++) cold.push(coldRun(dir));
    const inc = incremental(dir, edits);
    const coldWall = median(cold.map((c) => c.wall));
    const coldCpu = median(cold.map((c) => c.cpuMs));
    const incMs = median(inc.times);
    const incCpu = median(inc.cpus);
    functionLines = [
      "| 1,000 registered functions (bench/extract's project, 100 files) | median wall ms | median CPU ms | runs (wall ms) | peak RSS MB | floor (stock CLI, same session) | target | met? |",
      "| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |",
      `| cold: a fresh process, generated/ deleted first | ${coldWall.toFixed(0)} | ${coldCpu.toFixed(0)} | ${cold.map((c) => c.wall.toFixed(0)).join(", ")} | ${Math.max(...cold.map((c) => c.rssMb)).toFixed(0)} | ${floor.ms.toFixed(0)} ms wall, ${floor.cpuMs.toFixed(0)} ms CPU | ≤ 3000 ms | ${verdict(coldWall <= 3000)} |`,
      `| incremental: one file of 10 functions edited, \`update\` + \`run\` in a long-lived generator (as \`gen --watch\`) | ${incMs.toFixed(0)} | ${incCpu.toFixed(0)} | ${inc.times.map((t) => t.toFixed(0)).join(", ")} | ${inc.rssMb.toFixed(0)} | | ≤ 100 ms | ${verdict(incMs <= 100)} |`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cpus = os.cpus();
const env = `node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, load average ${loadStart} at the start and ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} at the end, ${runs} alternating runs after one warm-up each${hasTime ? "" : " (no /usr/bin/time: no CPU or RSS figures)"}`;
const command = `node bench/codegen/run.mjs ${quick ? "--quick" : `--runs ${runs}`}${args.includes("--no-functions") ? " --no-functions" : ""}`;
console.log([...lines, "", ...functionLines, "", env].join("\n"));

if (args.includes("--write")) {
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  writeFileSync(
    path.join(root, "bench/codegen/RESULTS.md"),
    [
      "# `arkitekt-next gen` against the stock graphql-codegen CLI",
      "",
      `Command: \`${command} --write\` (at commit ${commit}).`,
      "",
      "Each run is a fresh `node` process, timed from spawn to exit; CPU is user+sys of the process, RSS its peak",
      "(/usr/bin/time). The floor is the stock graphql-codegen CLI, run in the same session, alternating with ours,",
      "on the package's own `codegen.yml` with the stock plugins only (`schemas/rekuest.graphql`, `graphql/rekuest/*.graphql`;",
      "outputs `generated/api/rekuest.ts` and `generated/server/resolvers.ts`): it neither renders our function layer",
      "nor formats with prettier, which ours does. \"Unchanged\" runs skip every stage by its content key",
      "(`generated/.arkitekt-gen.json`: a hash of the stage's inputs and of the generator) after checking the hash",
      "of each generated file. \"Changed\" runs follow an edit made before each run (untimed) in a copy of the package's",
      "GraphQL project: one document (the client output changes; the resolvers, which read no documents, are kept by their",
      "own source key) or one document and the schema (both outputs are generated again; prettier formats only the top-level",
      "pieces that changed, the others are reused through the piece index in the manifest). `gen` runs with the CLI's V8",
      "tuning (TurboFan budget 16x); the 1,000-function cold run goes through the gen command too (runGen), with the",
      "compiler's V8 code cache in the temporary folder warm from the warm-up run.",
      "The machine is shared by several jobs (see the load average): wall times scatter, CPU is the steadier figure.",
      "",
      ...lines,
      "",
      ...functionLines,
      "",
      env + ".",
      "",
    ].join("\n"),
  );
  console.log("wrote bench/codegen/RESULTS.md");
}
rmSync(tmp, { recursive: true, force: true });
