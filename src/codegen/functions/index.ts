/**
 * The functions stage of `arkitekt-next gen`: extract registered functions with ts-morph, then
 * emit definitions.json and the registry. Keep one `FunctionsStage` alive for `--watch`: it holds
 * the ts-morph Project and re-reads only changed files.
 */
import { emitDefinitions, hashImplementations, registryModulePath, renderRegistryIndex, renderRegistryModule } from "../emit/registry.js";
import { applySplices, formatFiles, formatMany } from "../emit/format.js";
import type { GeneratedFile, Logger, StageResult } from "../types.js";
import type { ExtractedFunction } from "./model.js";
import { silentLogger } from "../types.js";
import { FunctionExtractor } from "./extract.js";

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
    const { functions, diagnostics, byFile } = this.extractor.extract();
    const extracted = performance.now();
    this.logger.debug(`functions: extracted ${functions.length} in ${Math.round(extracted - started)} ms`);
    if (diagnostics.length > 0) return { files: [], diagnostics, functionCount: functions.length };
    const options = { cwd: this.extractor.projectDir, out: this.out, command: this.options.command ?? "arkitekt-next gen" };
    const modules = new Map<string, { functions: readonly ExtractedFunction[]; file: GeneratedFile }>();
    const pending: Array<{ file: string; functions: readonly ExtractedFunction[]; path: string; content: string; splices?: Record<string, string> }> = [];
    for (const { file, functions: fns } of byFile) {
      const cached = this.modules.get(file);
      if (cached && cached.functions === fns) {
        modules.set(file, cached);
        continue;
      }
      const path = registryModulePath(file, options);
      modules.set(file, { functions: fns, file: { path, content: "" } });
      pending.push({ ...renderRegistryModule(fns, `${options.cwd}/${path}`, options), file, functions: fns, path });
    }
    const formatted = await formatMany(pending.map((p) => p.content));
    pending.forEach((p, i) => {
      modules.set(p.file, { functions: p.functions, file: { path: p.path, content: applySplices(formatted[i]!, p.splices) } });
    });
    const rendered = pending.length;
    this.modules = modules;
    const moduleFiles = [...modules.values()].map((m) => m.file);
    const ordered = [...modules.values()].flatMap((m) => m.functions);
    const [index] = await formatFiles([
      renderRegistryIndex(
        moduleFiles.map((f) => f.path),
        hashImplementations(ordered.map((f) => f.implementation)),
        options,
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
