/**
 * The functions stage of `arkitekt-next gen`: extract registered functions with ts-morph, then
 * emit definitions.json and the registry. Keep one `FunctionsStage` alive for `--watch`: it holds
 * the ts-morph Project and re-reads only changed files.
 */
import {
  emitDefinitions,
  hashImplementations,
  registryModulePath,
  renderRegistryIndex,
  renderRegistryModule,
  type PendingFile,
} from "../emit/registry.js";
import { FormatPool, applySplices, formatFiles, formatTypeScript } from "../emit/format.js";
import type { GeneratedFile, StageResult } from "../types.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import type { ExtractedFunction } from "./model.js";
import { FunctionExtractor } from "./extract.js";
import { saveCodeCaches } from "./compile-cache.js";
import { relative } from "node:path";
import { noRegisteredFunctions } from "../report.js";

/** Projects with at least this many source files format on worker threads in a cold run. */
const POOL_THRESHOLD = 16;

export { FunctionExtractor, type ExtractResult, type ExtractorOptions } from "./extract.js";
export type { ExtractedFunction, PortNode, TsForm, TypeRef, ExtractedArg } from "./model.js";
export { snakeCase, titleCase, words, modulePath } from "./naming.js";

export interface FunctionsStageOptions {
  cwd: string;
  /** tsconfig path relative to cwd. Default "tsconfig.json". */
  tsconfig?: string;
  /** Output folder relative to cwd. Default "generated". */
  out?: string;
  logger?: Logger;
  /** Named in the generated files' header. */
  command?: string;
}

export class FunctionsStage {
  readonly extractor: FunctionExtractor;
  private readonly out: string;
  private readonly logger: Logger;
  /** Formatted registry module per registering file, reused while its functions are unchanged. */
  private modules = new Map<string, { functions: readonly ExtractedFunction[]; file: GeneratedFile }>();

  constructor(private readonly options: FunctionsStageOptions) {
    this.out = (options.out ?? "generated").replace(/\\/g, "/").replace(/\/+$/, "");
    this.logger = options.logger ?? silentLogger;
    this.extractor = new FunctionExtractor({ cwd: options.cwd, tsconfig: options.tsconfig ?? "tsconfig.json", outDir: this.out });
  }

  /** Files changed on disk (absolute or cwd-relative paths). */
  update(paths: Iterable<string>): void {
    this.extractor.update(paths);
  }

  async run(): Promise<StageResult & { functionCount: number }> {
    const started = performance.now();
    const options = { cwd: this.extractor.projectDir, out: this.out, command: this.options.command ?? "arkitekt-next gen" };
    // Registry modules are printed directly in prettier's layout (emit/direct.ts). A cold run of a
    // large project formats the modules the direct path does not cover on worker threads,
    // overlapping with extraction; the pool starts with the first such module.
    const cold = this.modules.size === 0 && this.extractor.sourceFileCount >= POOL_THRESHOLD;
    let pool: FormatPool | undefined;
    let extracting = true;
    const early = new Map<string, { functions: readonly ExtractedFunction[]; path: string; pending: PendingFile; formatted: Promise<string> }>();
    const render = (file: string, fns: readonly ExtractedFunction[]) => {
      const path = registryModulePath(file, options);
      const pending = renderRegistryModule(fns, `${options.cwd}/${path}`, options);
      let formatted: Promise<string>;
      if (pending.formatted !== undefined) formatted = Promise.resolve(pending.formatted);
      else {
        if (cold && extracting && !pool) pool = FormatPool.create();
        formatted = pool ? pool.format(pending.content) : formatTypeScript(pending.content);
      }
      formatted.catch(() => undefined); // awaited below; a failure surfaces there
      early.set(file, { functions: fns, path, pending, formatted });
    };
    let extraction: ReturnType<FunctionExtractor["extract"]>;
    try {
      extraction = this.extractor.extract(
        cold
          ? (file, fns) => {
              if (this.modules.get(file)?.functions !== fns) render(file, fns);
            }
          : undefined,
      );
    } catch (error) {
      await pool?.close();
      throw error;
    }
    extracting = false;
    const { functions, diagnostics, byFile, scanned, hookFiles, states } = extraction;
    saveCodeCaches();
    const extracted = performance.now();
    this.logger.debug(`functions: extracted ${functions.length} in ${Math.round(extracted - started)} ms`);
    if (diagnostics.length > 0) {
      await pool?.close();
      return { files: [], diagnostics, functionCount: functions.length };
    }
    if (functions.length === 0) {
      const cwd = this.extractor.projectDir;
      this.logger.warn(noRegisteredFunctions(this.options.tsconfig ?? "tsconfig.json", scanned.map((file) => relative(cwd, file).replace(/\\/g, "/"))));
    }
    // The main thread is free now: it formats what the workers have not started.
    pool?.drain();
    const modules = new Map<string, { functions: readonly ExtractedFunction[]; file: GeneratedFile }>();
    let rendered = 0;
    try {
      for (const { file, functions: fns } of byFile) {
        const cached = this.modules.get(file);
        if (cached && cached.functions === fns) {
          modules.set(file, cached);
          continue;
        }
        if (early.get(file)?.functions !== fns) render(file, fns);
        const job = early.get(file)!;
        modules.set(file, { functions: fns, file: { path: job.path, content: applySplices(await job.formatted, job.pending.splices) } });
        rendered++;
      }
    } finally {
      await pool?.close();
    }
    this.modules = modules;
    const moduleFiles = [...modules.values()].map((m) => m.file);
    const ordered = [...modules.values()].flatMap((m) => m.functions);
    const [index] = await formatFiles([
      renderRegistryIndex(
        moduleFiles.map((f) => f.path),
        hashImplementations(ordered.map((f) => f.implementation), states),
        options,
        hookFiles,
        states,
      ),
    ]);
    const files = [...moduleFiles, index!, emitDefinitions(ordered, options)];
    this.logger.debug(
      `functions: rendered ${rendered} of ${moduleFiles.length} registry modules in ${Math.round(performance.now() - extracted)} ms`,
    );
    return { files, diagnostics, functionCount: functions.length };
  }
}

/** One-shot convenience: extract and emit. */
export async function generateFunctions(options: FunctionsStageOptions): Promise<StageResult & { functionCount: number }> {
  return new FunctionsStage(options).run();
}
