/**
 * The only module of the generator that changes the disk: writes every file or none, and removes
 * files a stage no longer produces in a folder it owns.
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { OwnedFolder } from "./stage.js";
import type { GeneratedFile } from "./types.js";

/** A temporary file `writeAll` makes beside its target (ignored by `--watch`). */
export const TEMP_FILE = /\.tmp-\d+-\d+$/;

/** Writes every file to a temporary sibling first, then renames them all: all files or none. */
export async function writeAll(cwd: string, files: readonly GeneratedFile[]): Promise<void> {
  const temps: Array<{ temp: string; target: string }> = [];
  try {
    for (const file of files) {
      const target = join(cwd, file.path);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.tmp-${process.pid}-${temps.length}`;
      await writeFile(temp, file.content);
      temps.push({ temp, target });
    }
  } catch (error) {
    await Promise.all(temps.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
  for (const { temp, target } of temps) await rename(temp, target);
}

export async function removeAll(cwd: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(join(cwd, path), { force: true });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

/** Files in owned folders that no stage produces any more (paths relative to cwd, sorted). */
export async function extraFiles(cwd: string, owned: readonly OwnedFolder[], produced: ReadonlySet<string>): Promise<string[]> {
  const extra: string[] = [];
  for (const { folder, extension } of owned) {
    for (const abs of await listFiles(join(cwd, folder))) {
      const path = relative(cwd, abs).split(sep).join("/");
      if (path.endsWith(extension) && !produced.has(path)) extra.push(path);
    }
  }
  return [...new Set(extra)].sort();
}
