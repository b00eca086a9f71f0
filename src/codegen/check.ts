/**
 * Comparing what the stages produce (or what the manifest says they wrote) with the disk: used by
 * `gen` to find the files to write, and by `gen --check` to list the stale ones.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256 } from "./key.js";
import type { ManifestEntry } from "./manifest.js";
import type { GeneratedFile } from "./types.js";

/**
 * Why a generated file is stale: `missing` (not on disk), `differs` (gen would write other bytes),
 * `extra` (no stage produces it any more), `edited` (changed since gen wrote it: its hash is not the
 * one in the manifest, while the stage's inputs are unchanged).
 */
export interface StaleFile {
  path: string;
  reason: "missing" | "differs" | "extra" | "edited";
}

/**
 * The produced files whose bytes are not on disk. `known` caches what this process last wrote or
 * read per path (a long-lived `--watch` generator does not re-read unchanged files).
 */
export async function changedFiles(cwd: string, files: readonly GeneratedFile[], known: Map<string, string>): Promise<Array<{ file: GeneratedFile; reason: "missing" | "differs" }>> {
  const changed: Array<{ file: GeneratedFile; reason: "missing" | "differs" }> = [];
  for (const file of files) {
    if (known.get(file.path) === file.content) continue;
    const current = await readFile(join(cwd, file.path), "utf8").catch(() => undefined);
    if (current !== undefined) known.set(file.path, current);
    if (current === file.content) continue;
    changed.push({ file, reason: current === undefined ? "missing" : "differs" });
  }
  return changed;
}

/**
 * Reads the files a manifest entry lists and checks their hashes: the files (as they are on disk)
 * and the ones that are missing or were edited since gen wrote them.
 */
export async function verifyOutputs(cwd: string, entry: ManifestEntry): Promise<{ files: GeneratedFile[]; problems: StaleFile[] }> {
  const paths = Object.keys(entry.files).sort();
  const contents = await Promise.all(paths.map((path) => readFile(join(cwd, path), "utf8").catch(() => undefined)));
  const files: GeneratedFile[] = [];
  const problems: StaleFile[] = [];
  paths.forEach((path, i) => {
    const content = contents[i];
    if (content === undefined) problems.push({ path, reason: "missing" });
    else if (sha256(content) !== entry.files[path]) problems.push({ path, reason: "edited" });
    else files.push({ path, content });
  });
  return { files, problems };
}

/** The source keys of the files a stage formatted (manifest `sources`), or undefined when none. */
export function sourceKeys(files: readonly GeneratedFile[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const file of files) if (file.sourceKey !== undefined) out[file.path] = file.sourceKey;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The piece indexes of the files a stage formatted piece by piece (manifest `pieces`), or undefined when none. */
export function pieceIndexes(files: readonly GeneratedFile[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const file of files) if (file.pieces !== undefined) out[file.path] = file.pieces;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The last hash of each output path with the content it was computed from: a long-lived generator
 * (`--watch`) hands back the same string for every unchanged output (870 KB of registry modules for
 * 1,000 functions), which then costs one comparison instead of a sha256.
 */
const lastHash = new Map<string, { content: string; hash: string }>();

/** The manifest entry for files a stage produced. */
export function hashFiles(files: readonly GeneratedFile[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files) {
    const last = lastHash.get(file.path);
    if (last !== undefined && last.content === file.content) out[file.path] = last.hash;
    else {
      const hash = sha256(file.content);
      lastHash.set(file.path, { content: file.content, hash });
      out[file.path] = hash;
    }
  }
  return out;
}
