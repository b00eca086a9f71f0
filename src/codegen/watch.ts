/** `gen --watch`: regenerate on change until the signal aborts (the generator keeps its stages alive). */
import { watch as watchFs, type FSWatcher } from "node:fs";
import { join, sep } from "node:path";
import type { GenerateOptions, GenerateResult, Generator } from "./index.js";
import { report } from "./report.js";
import type { Logger } from "../shared/logger.js";
import { TEMP_FILE } from "./write.js";

/** Debounce between a change and the regeneration it starts. */
const DEBOUNCE_MS = 30;

export async function watchProject(generator: Generator, logger: Logger, options: GenerateOptions, first: GenerateResult): Promise<GenerateResult> {
  const cwd = generator.cwd;
  const out = generator.functionsOut;
  let last = first;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
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
  let watcher: FSWatcher;
  try {
    watcher = watchFs(cwd, { recursive: true }, (_event, filename) => {
      if (!filename) return;
      const rel = filename.toString();
      if (ignored(rel)) return;
      if (!/\.([cm]?tsx?|graphql|gql|ya?ml|json)$/.test(rel)) return;
      pending.add(rel);
      clearTimeout(timer);
      timer = setTimeout(flush, DEBOUNCE_MS);
    });
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
