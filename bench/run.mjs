#!/usr/bin/env node
// `npm run bench -- <name> [args...]`: builds the package, then runs one benchmark of bench/<name>/
// (its run.ts through tsx, or its run.mjs) with the remaining arguments. Without a name, lists them.
// Each benchmark prints its figures and the command; results go to bench/<name>/RESULTS.md and
// BENCHMARKS.md.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const entry = (name) => ["run.mjs", "run.ts"].map((file) => join(here, name, file)).find((file) => existsSync(file));
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && entry(d.name))
  .map((d) => d.name)
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || name === "--help" || !names.includes(name)) {
  if (name && name !== "--help") console.error(`no benchmark "${name}"`);
  console.error(`usage: npm run bench -- <name> [args...]\nbenchmarks: ${names.join(", ")}\nexample: npm run bench -- data --runs 3`);
  process.exit(name && name !== "--help" ? 1 : 0);
}
const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const file = entry(name);
const command = file.endsWith(".ts") ? [join(root, "node_modules", "tsx", "dist", "cli.mjs"), file] : [file];
const run = spawnSync(process.execPath, [...command, ...args], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
