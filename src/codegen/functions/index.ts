/**
 * The functions stage of `arkitekt-next gen`: extract registered functions with ts-morph, then
 * emit definitions.json and the registry. Keep one `FunctionsStage` alive for `--watch`: it holds
 * the ts-morph Project and re-reads only changed files.
 */
import { emitDefinitions, emitRegistry } from "../emit/registry.js";
import { formatFiles } from "../emit/format.js";
import type { Logger, StageResult } from "../types.js";
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
    const { functions, diagnostics } = this.extractor.extract();
    this.logger.debug(`functions: extracted ${functions.length} in ${Math.round(performance.now() - started)} ms`);
    if (diagnostics.length > 0) return { files: [], diagnostics, functionCount: functions.length };
    const emitOptions = { cwd: this.extractor.projectDir, out: this.out, command: this.options.command ?? "arkitekt-next gen" };
    const files = await formatFiles([...emitRegistry(functions, emitOptions), emitDefinitions(functions, emitOptions)]);
    this.logger.debug(`functions: emitted ${files.length} files in ${Math.round(performance.now() - started)} ms`);
    return { files, diagnostics, functionCount: functions.length };
  }
}

/** One-shot convenience: extract and emit. */
export async function generateFunctions(options: FunctionsStageOptions): Promise<StageResult & { functionCount: number }> {
  return new FunctionsStage(options).run();
}
