/**
 * `arkitekt-next gen` as a library: a thin orchestrator over the stages a project has (stages.ts).
 * For each stage it hashes the stage's inputs and the generator into a content key; a key equal to
 * the one in the manifest (`generated/.arkitekt-gen.json`) skips the stage once its files are
 * checked against their recorded hashes. The stages that run return files; then all files are
 * written or none (write.ts), or compared in `--check` mode (check.ts); report.ts prints, watch.ts
 * reruns on change. Stages load their heavy modules only when they run, so a GraphQL-only project
 * never loads ts-morph, and an unchanged project loads neither.
 */
import { resolve } from "node:path";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { changedFiles, hashFiles, pieceIndexes, sourceKeys, verifyOutputs, type StaleFile } from "./check.js";
import { loadProjectConfig, type ProjectConfig } from "./config.js";
import { contentKey, generatorFingerprint, hashInputs, sha256 } from "./key.js";
import { manifestPath, readManifest, renderManifest, type Manifest, type ManifestEntry } from "./manifest.js";
import { nothingToGenerate, report } from "./report.js";
import type { PreviousOutput, Stage, StageRunner } from "./stage.js";
import { STAGES } from "./stages.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import type { Diagnostic, GeneratedFile } from "./types.js";
import { watchProject } from "./watch.js";
export { watchProject } from "./watch.js";
export { report } from "./report.js";
import { extraFiles, removeAll, writeAll } from "./write.js";

export { loadProjectConfig, ConfigError, CONFIG_FILE, type ProjectConfig } from "./config.js";
export { formatDiagnostic, type Diagnostic, type GeneratedFile, type StageResult } from "./types.js";
export { silentLogger, type Logger } from "../shared/logger.js";
export { MissingStageError, type Stage, type StageContext, type StageInputs, type StageOutput, type StageRunner, type OwnedFolder } from "./stage.js";
export { STAGES } from "./stages.js";
export { MANIFEST_FILE, type Manifest, type ManifestEntry } from "./manifest.js";
export type { StaleFile } from "./check.js";

export interface GenerateOptions {
  /** The project directory. Default: process.cwd(). */
  cwd?: string;
  /** Compare instead of writing; the result lists what differs. */
  check?: boolean;
  /** Keep running and regenerate on change until `signal` aborts. */
  watch?: boolean;
  /** Re-fetch remote action definitions (remote-stubs stage). */
  refreshActions?: boolean;
  /** Run every stage even when its content key is unchanged. */
  force?: boolean;
  logger?: Logger;
  /** Stops `watch`. */
  signal?: AbortSignal;
  /** Called after each run (the first and each watch round). */
  onRun?: (result: GenerateResult) => void;
  /** The stages to consider (default: STAGES, the registered ones); tests pass extra ones. */
  stages?: readonly Stage[];
}

export interface GenerateResult {
  /** False when there were diagnostics, or in check mode when files differ. */
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Every file the stages produced, or (for a skipped stage) have on disk (paths relative to cwd). */
  files: GeneratedFile[];
  /** Files written (changed content); empty in check mode or on diagnostics. The manifest is not listed. */
  written: string[];
  /** Files deleted because no stage produces them any more. */
  removed: string[];
  /** Check mode: files that are missing, differ, were edited, or should not exist. */
  stale: StaleFile[];
  /** Which stages the project has (ran or skipped). */
  stages: string[];
  /** Stages skipped because their content key was unchanged and their files had their recorded hashes. */
  skipped: string[];
  functionCount: number;
  durationMs: number;
}

type GeneratorOptions = Pick<GenerateOptions, "logger" | "refreshActions" | "force" | "stages">;

/** What one pass over the stages found; nothing has touched the disk. */
interface Pass {
  files: GeneratedFile[];
  diagnostics: Diagnostic[];
  stale: StaleFile[];
  skipped: string[];
  entries: Array<{ name: string; entry: ManifestEntry }>;
  counts: Record<string, number>;
}

/**
 * A generator bound to one project: keeps its stages (and the functions stage's ts-morph Project)
 * alive between runs, so `update(paths)` + `run()` re-read only changed files.
 */
export class Generator {
  readonly config: ProjectConfig;
  /** The manifest's path, relative to cwd. */
  readonly manifestPath: string;
  private readonly logger: Logger;
  private readonly active: ReadonlyArray<{ stage: Stage; runner: StageRunner }>;
  /** What this generator last wrote or read per path, so unchanged files are not re-read each run. */
  private readonly onDisk = new Map<string, string>();
  /** The manifest as the last run found or left it (for StageContext.previous). */
  private previous: Manifest | undefined;

  constructor(
    readonly cwd: string,
    private readonly options: GeneratorOptions = {},
  ) {
    this.config = loadProjectConfig(cwd);
    this.logger = options.logger ?? silentLogger;
    this.manifestPath = manifestPath(this.config);
    const context = {
      cwd,
      config: this.config,
      logger: this.logger,
      refreshActions: options.refreshActions ?? false,
      previous: (path: string) => this.previousOutput(path),
    };
    this.active = (options.stages ?? STAGES).filter((stage) => stage.enabled(this.config)).map((stage) => ({ stage, runner: stage.open(context) }));
  }

  /**
   * The file at `path` with its recorded source key and piece index, when it still has the hash the
   * manifest records (a file edited by hand is generated and formatted again, whole).
   */
  private async previousOutput(path: string): Promise<PreviousOutput | undefined> {
    for (const entry of Object.values(this.previous?.stages ?? {})) {
      const hash = entry.files[path];
      if (hash === undefined) continue;
      const content = this.onDisk.get(path) ?? (await readFile(join(this.cwd, path), "utf8").catch(() => undefined));
      if (content === undefined || sha256(content) !== hash) return undefined;
      const sourceKey = entry.sources?.[path];
      const pieces = entry.pieces?.[path];
      return { content, ...(sourceKey !== undefined ? { sourceKey } : {}), ...(pieces !== undefined ? { pieces } : {}) };
    }
    return undefined;
  }

  /** Stages this project runs, in order. */
  get stages(): string[] {
    return this.active.map(({ stage }) => stage.name);
  }

  /** The output folder of the functions stage (relative to cwd), if it runs. */
  get functionsOut(): string | undefined {
    return this.config.functions?.out;
  }

  update(paths: Iterable<string>): void {
    const list = [...paths];
    for (const { runner } of this.active) runner.update?.(list);
  }

  /** Runs every stage (no skipping); nothing touches the disk. */
  async produce(check = false): Promise<{ files: GeneratedFile[]; diagnostics: Diagnostic[]; functionCount: number }> {
    const pass = await this.pass(undefined, check);
    return { files: pass.files, diagnostics: pass.diagnostics, functionCount: pass.counts.functions ?? 0 };
  }

  /**
   * One pass over the stages. With a manifest, a stage whose key is recorded there is skipped when
   * its files still have their hashes; in check mode a file that lost its hash is stale ("edited").
   */
  private async pass(manifest: Manifest | undefined, check: boolean): Promise<Pass> {
    const generator = await generatorFingerprint();
    const pass: Pass = { files: [], diagnostics: [], stale: [], skipped: [], entries: [], counts: {} };
    const addCounts = (counts: Record<string, number> | undefined): void => {
      for (const [name, n] of Object.entries(counts ?? {})) pass.counts[name] = (pass.counts[name] ?? 0) + n;
    };
    for (const { stage, runner } of this.active) {
      const started = performance.now();
      const inputs = await runner.inputs();
      const hashes = inputs.volatile === undefined ? await hashInputs(this.cwd, inputs.files) : undefined;
      const key = hashes ? await contentKey(this.cwd, stage.name, inputs, generator, hashes) : null;
      const recorded = manifest?.stages[stage.name];
      if (key !== null && recorded?.key === key) {
        const { files, problems } = await verifyOutputs(this.cwd, recorded);
        for (const file of files) this.onDisk.set(file.path, file.content);
        if (problems.length === 0 || check) {
          pass.files.push(...files);
          pass.stale.push(...problems);
          pass.entries.push({ name: stage.name, entry: { ...recorded, inputs: hashes! } });
          addCounts(recorded.counts);
          if (problems.length === 0) pass.skipped.push(stage.name);
          this.logger.debug(`${stage.name}: unchanged, skipped (${Math.round(performance.now() - started)} ms)`);
          continue;
        }
        this.logger.debug(`${stage.name}: inputs unchanged, but ${problems.map((p) => `${p.path} (${p.reason})`).join(", ")}: running it again`);
      } else if (inputs.volatile !== undefined) this.logger.debug(`${stage.name}: runs every time (${inputs.volatile})`);
      const output = await runner.run({ check });
      pass.files.push(...output.files);
      pass.diagnostics.push(...output.diagnostics);
      addCounts(output.counts);
      const entry: ManifestEntry = { key, ...(hashes ? { inputs: hashes } : {}), files: hashFiles(output.files) };
      if (output.counts) entry.counts = output.counts;
      const sources = sourceKeys(output.files);
      if (sources) entry.sources = sources;
      const pieces = pieceIndexes(output.files);
      if (pieces) entry.pieces = pieces;
      pass.entries.push({ name: stage.name, entry });
    }
    pass.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return pass;
  }

  /**
   * The files just written that are inputs of a stage whose key they changed (the functions stage
   * reads generated/actions.ts): that stage runs once more, so the manifest holds the keys the next
   * run computes (one `gen` reaches the fixed point).
   */
  private async fedBack(pass: Pass, touched: ReadonlySet<string>): Promise<string[]> {
    const generator = await generatorFingerprint();
    const fed = new Set<string>();
    for (const { stage, runner } of this.active) {
      const recorded = pass.entries.find((e) => e.name === stage.name)?.entry;
      if (!recorded || recorded.key === null) continue;
      const inputs = await runner.inputs();
      const hit = inputs.files.filter((path) => touched.has(path));
      if (hit.length === 0 || inputs.volatile !== undefined) continue;
      if ((await contentKey(this.cwd, stage.name, inputs, generator)) !== recorded.key) for (const path of hit) fed.add(path);
    }
    return [...fed].sort();
  }

  /**
   * Runs the stages (skipping unchanged ones unless `force`), then writes (all or nothing) or
   * compares. `force` defaults to the constructor's option.
   */
  async run(check = false, force = this.options.force ?? false): Promise<GenerateResult> {
    const started = performance.now();
    const result: GenerateResult = {
      ok: true,
      diagnostics: [],
      files: [],
      written: [],
      removed: [],
      stale: [],
      stages: this.stages,
      skipped: [],
      functionCount: 0,
      durationMs: 0,
    };
    const finish = (): GenerateResult => {
      result.durationMs = performance.now() - started;
      return result;
    };
    const onDisk = await readManifest(this.cwd, this.manifestPath, this.logger);
    if (onDisk.text !== undefined) this.onDisk.set(this.manifestPath, onDisk.text);
    // Formatted outputs are reused by content even with --force: the source key covers the text and the generator.
    this.previous = onDisk.manifest;
    let manifest = force ? undefined : onDisk.manifest;
    // A second pass only when this pass wrote a file that is another stage's input (generated/actions.ts
    // read by the functions stage): then the manifest records keys that the next run will see.
    for (let round = 0; round < 2; round++) {
      const pass = await this.pass(manifest, check);
      result.files = pass.files;
      result.skipped = round === 0 ? pass.skipped : result.skipped.filter((name) => pass.skipped.includes(name));
      result.functionCount = pass.counts.functions ?? 0;
      if (pass.diagnostics.length > 0) {
        result.ok = false;
        result.diagnostics = pass.diagnostics;
        return finish();
      }
      // A stage's files: what it produced, or (skipped) what the manifest records, edited ones included.
      const produced = new Set(pass.entries.flatMap(({ entry }) => Object.keys(entry.files)));
      const extra = await extraFiles(this.cwd, this.active.flatMap(({ stage }) => stage.owns?.(this.config) ?? []), produced);
      const changed = await changedFiles(this.cwd, pass.files, this.onDisk);
      if (check) {
        result.stale = [...pass.stale, ...changed.map(({ file, reason }) => ({ path: file.path, reason })), ...extra.map((path) => ({ path, reason: "extra" as const }))];
        result.ok = result.stale.length === 0;
        return finish();
      }
      const next = renderManifest(pass.entries);
      const manifestChanged = this.onDisk.get(this.manifestPath) !== next;
      const writes = changed.map(({ file }) => file);
      if (manifestChanged) writes.push({ path: this.manifestPath, content: next });
      await writeAll(this.cwd, writes);
      for (const file of writes) this.onDisk.set(file.path, file.content);
      await removeAll(this.cwd, extra);
      for (const path of extra) this.onDisk.delete(path);
      result.written.push(...changed.map(({ file }) => file.path).filter((path) => !result.written.includes(path)));
      result.removed.push(...extra);
      const touched = new Set([...changed.map(({ file }) => file.path), ...extra]);
      if (touched.size === 0) break;
      const fed = await this.fedBack(pass, touched);
      if (fed.length === 0) break;
      this.logger.debug(`a stage's input was just generated (${fed.join(", ")}): one more pass`);
      this.update(fed.map((path) => resolve(this.cwd, path)));
      manifest = JSON.parse(next) as Manifest;
      this.previous = manifest;
    }
    return finish();
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
    // Nothing runs and nothing is written (not even the manifest): the folder stays as it was, so
    // the `init` the message suggests still finds it empty.
    logger.error(nothingToGenerate(cwd, generator.config));
    const result: GenerateResult = { ok: true, diagnostics: [], files: [], written: [], removed: [], stale: [], stages: [], skipped: [], functionCount: 0, durationMs: 0 };
    options.onRun?.(result);
    return result;
  }
  // --watch runs every stage first, so its stages are warm (ts-morph loaded) for the first edit.
  const result = await generator.run(options.check ?? false, (options.force ?? false) || (options.watch === true && !options.check));
  report(result, logger, options.check ?? false);
  options.onRun?.(result);
  if (!options.watch || options.check) return result;
  return watchProject(generator, logger, options, result);
}
