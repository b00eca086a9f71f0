/** `gen --watch`: regenerate on change until the signal aborts (the generator keeps its stages alive). */
import { readdirSync, watch as watchFs, type FSWatcher } from "node:fs";
import { join, relative, sep } from "node:path";
import type { GenerateOptions, GenerateResult, Generator } from "./index.js";
import { report } from "./report.js";
import type { Logger } from "../shared/logger.js";
import { TEMP_FILE } from "./write.js";

/** Debounce between a change and the regeneration it starts. */
const DEBOUNCE_MS = 30;

/**
 * `warmUp`, when given, runs before the first regeneration (e.g. `generator.produce()`, so the
 * first edit finds ts-morph loaded); its failure is ignored.
 */
export async function watchProject(generator: Generator, logger: Logger, options: GenerateOptions, first: GenerateResult, warmUp?: () => Promise<unknown>): Promise<GenerateResult> {
  const cwd = generator.cwd;
  const out = generator.functionsOut;
  let last = first;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = warmUp ? warmUp().then(
    () => undefined,
    () => undefined,
  ) : Promise.resolve();
  const ownOutput = (rel: string): boolean => {
    const posix = rel.split(sep).join("/");
    return posix === generator.manifestPath || last.files.some((f) => f.path === posix);
  };
  const ignored = (rel: string): boolean =>
    rel.split(/[\\/]/).some((part) => part === "node_modules" || part === ".git" || part === "dist" || part === ".arkitekt") ||
    (out !== undefined && (rel === out || rel.startsWith(`${out}/`) || rel.startsWith(`${out}${sep}`))) ||
    TEMP_FILE.test(rel) ||
    ownOutput(rel);
  const flush = (): void => {
    const paths = [...pending];
    pending.clear();
    running = running.then(async () => {
      generator.update(paths.map((p) => join(cwd, p)));
      try {
        last = await generator.run(false);
        report(last, logger, false);
        options.onRun?.(last);
      } catch (error) {
        logger.error(`regeneration failed: ${(error as Error).message}`);
      }
    });
  };
  const onChange = (rel: string): void => {
    if (ignored(rel)) return;
    if (!/\.([cm]?tsx?|graphql|gql|ya?ml|json)$/.test(rel)) return;
    pending.add(rel);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  };
  let watcher: { close(): void };
  try {
    watcher = watchTree(cwd, ignored, onChange);
  } catch (error) {
    throw new Error(`cannot watch ${cwd}: ${(error as Error).message}`);
  }
  logger.info(`watching ${cwd} for changes (Ctrl-C to stop)`);
  await new Promise<void>((resolveWait) => {
    if (options.signal?.aborted) return resolveWait();
    options.signal?.addEventListener("abort", () => resolveWait(), { once: true });
  });
  watcher.close();
  clearTimeout(timer);
  await running;
  return last;
}

/**
 * Calls `onChange(relativePath)` for every change under `root`. On Linux, Node's recursive watcher
 * loses a file that an editor saves by writing a temporary file and renaming it over the original
 * (vim, sed -i, many IDEs): after the first such save it reports nothing more for that file. There,
 * every folder is watched on its own (a folder's watch sees renames into it) and new folders are
 * added as they appear. Elsewhere the native recursive watcher is used.
 */
export function watchTree(root: string, ignored: (rel: string) => boolean, onChange: (rel: string) => void): { close(): void } {
  if (process.platform !== "linux") {
    const watcher = watchFs(root, { recursive: true }, (_event, filename) => {
      if (filename) onChange(filename.toString());
    });
    return watcher;
  }
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    const rel = relative(root, dir);
    if (rel !== "" && ignored(rel)) return;
    let watcher: FSWatcher;
    try {
      watcher = watchFs(dir, (_event, filename) => {
        if (!filename) return;
        const path = join(dir, filename.toString());
        onChange(relative(root, path));
        // a new (or renamed) folder: watch it too
        if (!watchers.has(path)) {
          try {
            if (readdirSync(path, { withFileTypes: true })) addTree(path);
          } catch {
            // not a folder, or gone again
          }
        }
      });
    } catch (error) {
      if (rel === "") throw error;
      return;
    }
    watcher.on("error", () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  };
  const addTree = (dir: string): void => {
    add(dir);
    if (!watchers.has(dir)) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) addTree(join(dir, entry.name));
  };
  addTree(root);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
