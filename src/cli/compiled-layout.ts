/**
 * Where `tsc -p tsconfig.json` puts the JavaScript of a source file, read from the app's tsconfig
 * without loading TypeScript: `outDir` and `rootDir` of `compilerOptions`, following `extends`
 * (relative paths and packages), each path relative to the file that sets it. The file may have
 * comments and trailing commas (tsconfig is JSONC).
 *
 * Without `rootDir`, tsc uses the common folder of its sources; here that is the common folder of
 * the files the caller names (the app's sources and generated files). Without `outDir`, the
 * JavaScript sits beside each source.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UserError } from "./errors.js";

export interface CompiledLayout {
  /** The tsconfig read (absolute). */
  tsconfig: string;
  /** Absolute; where relative source paths start. */
  rootDir: string;
  /** Absolute; where tsc writes. */
  outDir: string;
  /** How the folders were found, for messages: `outDir "dist", rootDir "." (tsconfig.json)`. */
  origin: string;
}

interface Found {
  outDir?: string;
  rootDir?: string;
}

/** `compilerOptions.outDir` / `rootDir` of `tsconfig` (absolute) and what it extends. */
function readLayout(file: string, seen: Set<string>): Found {
  if (seen.has(file)) throw new UserError(`${file} extends itself (through "extends")`, "remove the cycle from the tsconfig files");
  seen.add(file);
  let parsed: { extends?: unknown; compilerOptions?: { outDir?: unknown; rootDir?: unknown } };
  try {
    parsed = JSON.parse(stripJsonc(readFileSync(file, "utf8"))) as typeof parsed;
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, "fix the tsconfig (JSON with comments)");
  }
  const found: Found = {};
  const bases = parsed.extends === undefined ? [] : Array.isArray(parsed.extends) ? parsed.extends : [parsed.extends];
  for (const base of bases) {
    if (typeof base !== "string") continue;
    Object.assign(found, readLayout(resolveExtends(base, dirname(file)), seen));
  }
  const dir = dirname(file);
  const options = parsed.compilerOptions ?? {};
  if (typeof options.outDir === "string") found.outDir = resolve(dir, options.outDir);
  if (typeof options.rootDir === "string") found.rootDir = resolve(dir, options.rootDir);
  return found;
}

function resolveExtends(spec: string, from: string): string {
  if (spec.startsWith(".") || isAbsolute(spec)) {
    const path = resolve(from, spec);
    if (existsSync(path) && statSync(path).isFile()) return path;
    if (existsSync(`${path}.json`)) return `${path}.json`;
    throw new UserError(`the tsconfig in ${from} extends ${spec}, which does not exist`, "fix its \"extends\"");
  }
  const require = createRequire(join(from, "package.json"));
  for (const candidate of [spec, `${spec}.json`, `${spec}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // try the next form
    }
  }
  throw new UserError(`the tsconfig in ${from} extends the package ${spec}, which is not installed`, "run `npm install`");
}

/** JSON with comments and trailing commas -> JSON (strings are kept as they are). */
export function stripJsonc(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

/** The common folder of `files` (absolute paths). */
function commonDir(files: readonly string[]): string | undefined {
  if (files.length === 0) return undefined;
  let common = dirname(files[0]!).split(sep);
  for (const file of files.slice(1)) {
    const parts = dirname(file).split(sep);
    let n = 0;
    while (n < common.length && n < parts.length && common[n] === parts[n]) n++;
    common = common.slice(0, n);
  }
  return common.join(sep) || sep;
}

/**
 * The layout of the app at `cwd` compiled with `tsconfig` (relative to cwd). `sources` (relative to
 * cwd) stand in for tsc's program when the tsconfig sets no `rootDir`.
 */
export function compiledLayout(cwd: string, tsconfig: string, sources: readonly string[]): CompiledLayout {
  const file = resolve(cwd, tsconfig);
  const found = readLayout(file, new Set());
  const code = sources.filter((path) => /\.[cm]?tsx?$/.test(path) && !/\.d\.[cm]?tsx?$/.test(path)).map((path) => resolve(cwd, path));
  const rootDir = found.rootDir ?? commonDir(code) ?? cwd;
  const outDir = found.outDir ?? rootDir;
  const show = (path: string): string => JSON.stringify(relative(cwd, path) || ".");
  const origin = `${found.outDir ? `outDir ${show(outDir)}` : "no outDir"}, ${found.rootDir ? `rootDir ${show(rootDir)}` : `no rootDir (the sources' common folder ${show(rootDir)})`} in ${relative(cwd, file)}`;
  return { tsconfig: file, rootDir, outDir, origin };
}

/** The JavaScript tsc writes for `source` (relative to cwd or absolute), or undefined for a declaration file. */
export function compiledPath(layout: CompiledLayout, cwd: string, source: string): string | undefined {
  if (/\.d\.[cm]?tsx?$/.test(source)) return undefined;
  const rel = relative(layout.rootDir, resolve(cwd, source));
  if (rel.startsWith("..") || isAbsolute(rel)) return undefined;
  const js = rel.replace(/\.tsx?$/, ".js").replace(/\.mts$/, ".mjs").replace(/\.cts$/, ".cjs");
  return js === rel ? undefined : join(layout.outDir, js);
}
