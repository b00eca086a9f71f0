/**
 * `arkitekt-next gen` as a library: runs the stages a project needs (its functions, its GraphQL
 * operations, typed stubs of remote actions), then writes all files or none, or compares them in
 * `--check` mode. Stages are loaded with dynamic `import()` only when needed, so a GraphQL-only
 * project never loads ts-morph.
 */
import { watch as watchFs, type FSWatcher } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { loadProjectConfig, type ProjectConfig } from "./config.js";
import type { FunctionsStage } from "./functions/index.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import { formatDiagnostic, type Diagnostic, type GeneratedFile, type StageResult } from "./types.js";
import { ArkitektError } from "../shared/errors.js";

export { loadProjectConfig, ConfigError, CONFIG_FILE, type ProjectConfig } from "./config.js";
export { formatDiagnostic, type Diagnostic, type GeneratedFile, type StageResult } from "./types.js";
export { silentLogger, type Logger } from "../shared/logger.js";

/** A stage module the project needs is not part of this build. */
export class MissingStageError extends ArkitektError {
  override readonly name = "MissingStageError";
  readonly code = "ARK_MISSING_STAGE";
  constructor(
    stage: string,
    override readonly hint: string,
  ) {
    super(`this project needs the ${stage} stage, which this build of arkitekt-next does not include`);
  }
}

export interface GenerateOptions {
  /** The project directory. Default: process.cwd(). */
  cwd?: string;
  /** Compare instead of writing; the result lists what differs. */
  check?: boolean;
  /** Keep running and regenerate on change until `signal` aborts. */
  watch?: boolean;
  /** Re-fetch remote action definitions (remote-stubs stage). */
  refreshActions?: boolean;
  logger?: Logger;
  /** Stops `watch`. */
  signal?: AbortSignal;
  /** Called after each run (the first and each watch round). */
  onRun?: (result: GenerateResult) => void;
}

export interface GenerateResult {
  /** False when there were diagnostics, or in check mode when files differ. */
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Every file the stages produced (paths relative to cwd). */
  files: GeneratedFile[];
  /** Files written (changed content); empty in check mode or on diagnostics. */
  written: string[];
  /** Files deleted because no stage produces them any more. */
  removed: string[];
  /** Check mode: files that are missing, differ, or should not exist. */
  stale: Array<{ path: string; reason: "missing" | "differs" | "extra" }>;
  /** Which stages ran. */
  stages: string[];
  functionCount: number;
  durationMs: number;
}

interface GraphqlModule {
  generateGraphql(options: { cwd: string; configPath: string; logger: Logger }): Promise<StageResult>;
}
interface ActionsModule {
  generateActions(options: { cwd: string; config: unknown; refresh: boolean; check: boolean; logger: Logger }): Promise<StageResult>;
}
type FunctionsModule = typeof import("./functions/index.js");

async function loadStage<T>(specifier: string, stage: string, exportName: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(specifier.replace(/^\.\//, ""))) {
      throw new MissingStageError(stage, `turn the stage off in arkitekt.json, or update arkitekt-next (${specifier} is missing)`);
    }
    throw error;
  }
  if (typeof mod[exportName] !== "function") {
    throw new MissingStageError(stage, `${specifier} does not export ${exportName}(); update arkitekt-next`);
  }
  return mod as T;
}

/**
 * A generator bound to one project: keeps the functions stage (and its ts-morph Project) alive
 * between runs, so `update(paths)` + `run()` re-read only changed files.
 */
export class Generator {
  readonly config: ProjectConfig;
  private functionsStage: FunctionsStage | undefined;
  private readonly logger: Logger;
  /** What this generator last wrote or read per path, so unchanged files are not re-read each run. */
  private readonly onDisk = new Map<string, string>();

  constructor(
    readonly cwd: string,
    private readonly options: Pick<GenerateOptions, "logger" | "refreshActions"> = {},
  ) {
    this.config = loadProjectConfig(cwd);
    this.logger = options.logger ?? silentLogger;
  }

  /** Stages this project runs, in order. */
  get stages(): string[] {
    const stages: string[] = [];
    if (this.config.functions) stages.push("functions");
    if (this.config.graphql) stages.push("graphql");
    if (this.config.actions !== undefined) stages.push("actions");
    return stages;
  }

  /** The output folder of the functions stage (relative to cwd), if it runs. */
  get functionsOut(): string | undefined {
    return this.config.functions?.out;
  }

  update(paths: Iterable<string>): void {
    this.functionsStage?.update(paths);
  }

  /** Runs every stage; nothing touches the disk. */
  async produce(check = false): Promise<{ files: GeneratedFile[]; diagnostics: Diagnostic[]; functionCount: number }> {
    const files: GeneratedFile[] = [];
    const diagnostics: Diagnostic[] = [];
    let functionCount = 0;
    if (this.config.functions) {
      if (!this.functionsStage) {
        const mod = await loadStage<FunctionsModule>("./functions/index.js", "functions", "generateFunctions");
        this.functionsStage = new mod.FunctionsStage({
          cwd: this.cwd,
          tsconfig: this.config.functions.tsconfig,
          out: this.config.functions.out,
          logger: this.logger,
        });
      }
      const result = await this.functionsStage.run();
      files.push(...result.files);
      diagnostics.push(...result.diagnostics);
      functionCount = result.functionCount;
    }
    if (this.config.graphql) {
      const mod = await loadStage<GraphqlModule>("./graphql/index.js", "GraphQL", "generateGraphql");
      const result = await mod.generateGraphql({ cwd: this.cwd, configPath: this.config.graphql, logger: this.logger });
      files.push(...result.files);
      diagnostics.push(...result.diagnostics);
    }
    if (this.config.actions !== undefined) {
      const mod = await loadStage<ActionsModule>("./actions/index.js", "remote actions", "generateActions");
      const result = await mod.generateActions({
        cwd: this.cwd,
        config: this.config.actions,
        refresh: this.options.refreshActions ?? false,
        check,
        logger: this.logger,
      });
      files.push(...result.files);
      diagnostics.push(...result.diagnostics);
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files, diagnostics, functionCount };
  }

  /** Files under folders a stage owns entirely (`<out>/registry/`) that no stage produces any more. */
  private async extraFiles(files: readonly GeneratedFile[]): Promise<string[]> {
    if (!this.config.functions) return [];
    const owned = `${this.config.functions.out}/registry`;
    const produced = new Set(files.map((f) => f.path));
    const existing = await listFiles(join(this.cwd, owned));
    return existing
      .map((abs) => relative(this.cwd, abs).split(sep).join("/"))
      .filter((path) => path.endsWith(".ts") && !produced.has(path))
      .sort();
  }

  /** Runs the stages, then writes (all or nothing) or compares. */
  async run(check = false): Promise<GenerateResult> {
    const started = performance.now();
    const { files, diagnostics, functionCount } = await this.produce(check);
    const result: GenerateResult = {
      ok: diagnostics.length === 0,
      diagnostics,
      files,
      written: [],
      removed: [],
      stale: [],
      stages: this.stages,
      functionCount,
      durationMs: 0,
    };
    if (diagnostics.length > 0) {
      result.durationMs = performance.now() - started;
      return result;
    }
    const extra = await this.extraFiles(files);
    const changed: GeneratedFile[] = [];
    for (const file of files) {
      if (this.onDisk.get(file.path) === file.content) continue;
      const current = await readFile(join(this.cwd, file.path), "utf8").catch(() => undefined);
      if (current !== undefined) this.onDisk.set(file.path, current);
      if (current === file.content) continue;
      changed.push(file);
      if (check) result.stale.push({ path: file.path, reason: current === undefined ? "missing" : "differs" });
    }
    if (check) {
      for (const path of extra) result.stale.push({ path, reason: "extra" });
      result.ok = result.stale.length === 0;
    } else {
      await writeAll(this.cwd, changed);
      for (const file of changed) this.onDisk.set(file.path, file.content);
      for (const path of extra) {
        await rm(join(this.cwd, path), { force: true });
        this.onDisk.delete(path);
      }
      result.written = changed.map((f) => f.path);
      result.removed = extra;
    }
    result.durationMs = performance.now() - started;
    return result;
  }
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

/** Writes every file to a temporary sibling first, then renames them all: all files or none. */
async function writeAll(cwd: string, files: readonly GeneratedFile[]): Promise<void> {
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

function report(result: GenerateResult, logger: Logger, check: boolean): void {
  if (result.diagnostics.length > 0) {
    logger.error(result.diagnostics.map(formatDiagnostic).join("\n\n"));
    logger.error(`${result.diagnostics.length} problem${result.diagnostics.length === 1 ? "" : "s"} found; nothing was written.`);
    return;
  }
  const ms = Math.round(result.durationMs);
  const what = `${result.functionCount} function${result.functionCount === 1 ? "" : "s"}, stages: ${result.stages.join(", ") || "none"}`;
  if (check) {
    if (result.ok) logger.info(`generated files are up to date (${result.files.length} files, ${what}, ${ms} ms)`);
    else {
      logger.error(
        `generated files are stale:\n${result.stale.map((s) => `  ${s.reason.padEnd(7)} ${s.path}`).join("\n")}\nrun \`arkitekt-next gen\` and commit the result.`,
      );
    }
    return;
  }
  if (result.written.length === 0 && result.removed.length === 0) {
    logger.info(`up to date: ${result.files.length} files (${what}) in ${ms} ms`);
  } else {
    for (const path of result.written) logger.info(`wrote ${path}`);
    for (const path of result.removed) logger.info(`removed ${path}`);
    logger.info(`generated ${result.written.length} of ${result.files.length} files (${what}) in ${ms} ms`);
  }
}

/**
 * Generates for the project at `cwd`. Prints through `logger` (diagnostics all at once) and
 * returns the first run's result; with `watch`, keeps regenerating until `signal` aborts and
 * returns the last result.
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const logger = options.logger ?? silentLogger;
  const generator = new Generator(cwd, options);
  if (generator.stages.length === 0) {
    logger.warn(`nothing to generate in ${cwd}: no tsconfig.json, no codegen.yml, and no arkitekt.json naming either`);
  }
  let result = await generator.run(options.check ?? false);
  report(result, logger, options.check ?? false);
  options.onRun?.(result);
  if (!options.watch || options.check) return result;
  result = await watchProject(generator, logger, options, result);
  return result;
}

async function watchProject(generator: Generator, logger: Logger, options: GenerateOptions, first: GenerateResult): Promise<GenerateResult> {
  const cwd = generator.cwd;
  const out = generator.functionsOut;
  let last = first;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const ignored = (rel: string): boolean =>
    rel.split(/[\\/]/).some((part) => part === "node_modules" || part === ".git" || part === "dist" || part === ".arkitekt") ||
    (out !== undefined && (rel === out || rel.startsWith(`${out}/`) || rel.startsWith(`${out}${sep}`))) ||
    /\.tmp-\d+-\d+$/.test(rel);
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
      timer = setTimeout(flush, 30);
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
