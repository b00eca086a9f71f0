/**
 * Content keys: a stage is skipped when the hash of its inputs and of the generator itself is the
 * one recorded in the manifest. The generator's part (its fingerprint) covers the code that is
 * running (the package's `src/` or `dist/src/`, without the server and the CLI), its templates, and
 * the installed versions of its dependencies (prettier, graphql-codegen, ts-morph ... shape the
 * output too).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StageInputs } from "./stage.js";

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Walks `root` and returns posix paths relative to it, sorted; `skip` prunes folders and files (relative paths). */
export async function listTree(root: string, keep: (rel: string) => boolean, skipDir: (rel: string, name: string) => boolean): Promise<string[]> {
  // Synchronous reads: a project of 100 folders took ~100 sequential thread-pool round trips (issue 18:
  // most of an incremental gen's idle time); the walk itself is a few milliseconds.
  return listTreeSync(root, keep, (rel) => skipDir(rel, rel.slice(rel.lastIndexOf("/") + 1)));
}

/** Folders no stage reads: dependencies, VCS, build output, our own state, and every dot-folder. */
export function isIgnoredFolder(name: string): boolean {
  return name === "node_modules" || name === "dist" || name.startsWith(".");
}

/** The arkitekt-next package root (holds package.json and templates/), from src/codegen or dist/src/codegen. */
function packageRoot(codegenDir: string): string {
  for (const up of ["../..", "../../.."]) {
    const candidate = resolve(codegenDir, up);
    if (existsSync(join(candidate, "package.json")) && existsSync(join(candidate, "templates"))) return candidate;
  }
  return resolve(codegenDir, "../..");
}

function installedVersion(dep: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, "node_modules", dep, "package.json"), "utf8");
    } catch {
      text = undefined;
    }
    if (text !== undefined) return (JSON.parse(text) as { version?: string }).version ?? "?";
    if (dirname(dir) === dir) return "missing";
  }
}

/** `listTree`, synchronously: the fingerprint reads a few hundred small files, faster without the thread pool. */
function listTreeSync(root: string, keep: (rel: string) => boolean, skipDir: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(rel ? join(root, rel) : root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!skipDir(child)) walk(child);
      } else if (entry.isFile() && keep(child)) out.push(child);
    }
  };
  walk("");
  return out.sort();
}

let fingerprint: Promise<string> | undefined;

/** The generator's fingerprint (computed once per process). */
export function generatorFingerprint(): Promise<string> {
  fingerprint ??= Promise.resolve().then(computeFingerprint);
  return fingerprint;
}

/**
 * The code that runs (not its declarations: `.d.ts` files shape no output), the templates, the
 * package version and the installed versions of its dependencies. Read synchronously: a few hundred
 * small files, which the thread pool of fs/promises made several times slower.
 */
function computeFingerprint(): string {
  const codegenDir = dirname(fileURLToPath(import.meta.url));
  const codeRoot = dirname(codegenDir);
  const root = packageRoot(codegenDir);
  const hash = createHash("sha256");
  const code = listTreeSync(
    codeRoot,
    (rel) => /\.(ts|js|mjs|json)$/.test(rel) && !rel.endsWith(".d.ts"),
    (rel) => rel === "server" || rel === "cli",
  );
  // templates/init/ holds the files `arkitekt-next init` copies into a new app: not the generator's.
  const templates = listTreeSync(join(root, "templates"), () => true, (rel) => rel === "init");
  const files = [...code.map((rel) => join(codeRoot, rel)), ...templates.map((rel) => join(root, "templates", rel))];
  for (const file of files) hash.update(`${file.slice(root.length)}\0`).update(readFileSync(file)).update("\0");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string; dependencies?: Record<string, string> };
  hash.update(`version ${pkg.version ?? "?"}\0`);
  for (const dep of Object.keys(pkg.dependencies ?? {}).sort()) hash.update(`${dep}@${installedVersion(dep, root)}\0`);
  return hash.digest("hex");
}

/**
 * The sha256 of each input file, by path (sorted, deduplicated); null for a file that is missing.
 * Recorded in the manifest, so `run prod` can tell which source changed since the last `gen`
 * without loading the generator (freshness.ts).
 */
export async function hashInputs(cwd: string, files: readonly string[]): Promise<Record<string, string | null>> {
  const sorted = [...new Set(files)].sort();
  // synchronously, as listTree: hundreds of small files, faster without the thread pool
  const contents = sorted.map((file) => {
    try {
      return readFileSync(join(cwd, file));
    } catch {
      return undefined;
    }
  });
  const out: Record<string, string | null> = {};
  sorted.forEach((file, i) => {
    const content = contents[i];
    out[file] = content === undefined ? null : sha256(content);
  });
  return out;
}

/**
 * The content key of one stage: its name, its inputs (file contents, settings) and the generator.
 * `hashes` (from `hashInputs`) saves reading the files again.
 */
export async function contentKey(
  cwd: string,
  stage: string,
  inputs: StageInputs,
  generator: string,
  hashes?: Record<string, string | null>,
): Promise<string> {
  const files = hashes ?? (await hashInputs(cwd, inputs.files));
  const hash = createHash("sha256");
  hash.update(`arkitekt-gen 1\0${stage}\0${generator}\0${JSON.stringify(inputs.settings ?? null)}\0`);
  for (const file of Object.keys(files).sort()) {
    hash.update(`${file}\0`);
    hash.update(files[file] ?? "\u0001missing");
    hash.update("\0");
  }
  return hash.digest("hex");
}
