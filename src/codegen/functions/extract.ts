/**
 * The extractor: scans a project's source files for `register(...)` calls and hands each to the
 * modules that read it (DESIGN.md, "Type to port mapping"):
 *
 * - discover.ts: which calls are `register` (any import alias, re-exports included), the function
 *   each registers, its name and export;
 * - options.ts: the `register()` options, one reader per `RegisterOptions` field;
 * - jsdoc.ts: descriptions; defaults.ts: parameter defaults;
 * - signature.ts, ports.ts, named-types.ts: parameters and returns to ports;
 * - register-call.ts: one call to one `ExtractedFunction`;
 * - diagnostics.ts: every code, message and hint; context.ts: the state they share.
 *
 * One long-lived TypeScript program backs it (ProgramHost below: the compiler of ts-morph, without
 * its wrappers); `update(paths)` re-reads only changed files and the per-file results that depended
 * on them are recomputed, the rest come from a cache. The walk uses the compiler API directly.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { common, ts } from "./typescript.js";
import type { Diagnostic } from "../types.js";
import { ScanContext, type ProjectContext } from "./context.js";
import { DIAGNOSTICS, diagnosticAt, placeText } from "./diagnostics.js";
import { findRegisterCalls } from "./discover.js";
import { findHookCalls, type ExtractedHook } from "./hooks.js";
import type { ExtractedFunction } from "./model.js";
import { extractRegisteredFunction } from "./register-call.js";
import { extractState, findStateCalls, type ExtractedState } from "./state.js";

export interface ExtractorOptions {
  /** The project directory; diagnostics name files relative to it. */
  cwd: string;
  /** Path of the tsconfig, relative to cwd or absolute. */
  tsconfig: string;
  /** Folder the generator writes into (its files are never scanned). Absolute or relative to cwd. */
  outDir: string;
}

export interface ExtractResult {
  functions: ExtractedFunction[];
  diagnostics: Diagnostic[];
  /**
   * Functions per registering file, in file order. A file's array is the same object between
   * runs while neither it nor anything it depends on changed (emitters cache on that identity).
   */
  byFile: Array<{ file: string; functions: readonly ExtractedFunction[] }>;
  /** Every project file that was scanned for register() calls (absolute paths, sorted). */
  scanned: string[];
  /** Files that declare lifecycle hooks (absolute paths, sorted): the generated registry imports them (issue 16). */
  hookFiles: string[];
  /** The app's states (`defineState`), in file order; empty when it has none. */
  states: ExtractedState[];
}

interface FileResult {
  functions: ExtractedFunction[];
  diagnostics: Diagnostic[];
  /** Files whose content this result depends on. */
  deps: Set<string>;
  /** The `register()` call position, per function, for duplicate reports. */
  places: Map<ExtractedFunction, ts.Node>;
  /** Lifecycle hooks declared in the file (issue 16). */
  hooks: ExtractedHook[];
  /** The file's `defineState()` calls, each with its call (for duplicate reports). */
  states: Array<{ state: ExtractedState; at: ts.Node }>;
}

/**
 * Files whose JSDoc no port can use: the default libraries and the environment typings
 * (`@types/*`, undici-types). They are parsed without JSDoc, which is most of their parse time
 * (`@types/node` alone: 2 MB, four fifths of it spent in JSDoc). Ports read JSDoc only from the
 * project's own declarations (named types must be declared in the project).
 */
function withoutDocs(fileName: string): boolean {
  return fileName.startsWith(`${common.libFolderInMemoryPath}/`) || /\/node_modules\/(@types|undici-types)\//.test(fileName);
}

/**
 * The project's TypeScript program, as ts-morph's Project built it (tsconfig's files and options,
 * ts-morph's in-memory lib files), kept between runs: a file is parsed once and re-parsed only
 * after `invalidate`, and each new program reuses the last one's structure.
 */
class ProgramHost {
  private readonly parsed = new Map<string, ts.SourceFile>();
  private readonly roots = new Set<string>();
  private readonly options: ts.CompilerOptions;
  private readonly host: ts.CompilerHost;
  private program: ts.Program | undefined;

  constructor(tsconfigPath: string) {
    const text = readFileSync(tsconfigPath, "utf8");
    const json = ts.parseConfigFileTextToJson(tsconfigPath, text);
    if (json.error) throw new Error(ts.flattenDiagnosticMessageText(json.error.messageText, "\n"));
    const config = ts.parseJsonConfigFileContent(json.config, ts.sys, dirname(tsconfigPath), undefined, tsconfigPath);
    this.options = config.options;
    for (const file of config.fileNames) if (existsSync(file)) this.roots.add(file);
    const libDir = common.libFolderInMemoryPath;
    const libs = new Map(common.getLibFiles().map((lib) => [`${libDir}/${lib.fileName}`, lib.text]));
    const host = ts.createCompilerHost(this.options, true);
    const { fileExists, readFile } = host;
    host.getDefaultLibFileName = (options) => `${libDir}/${ts.getDefaultLibFileName(options)}`;
    host.getDefaultLibLocation = () => libDir;
    host.fileExists = (file) => libs.has(file) || fileExists.call(host, file);
    host.readFile = (file) => libs.get(file) ?? readFile.call(host, file);
    host.getSourceFile = (fileName, languageVersionOrOptions, onError) => {
      const cached = this.parsed.get(fileName);
      if (cached) return cached;
      let content: string | undefined;
      try {
        content = host.readFile(fileName);
      } catch (error) {
        onError?.((error as Error).message);
      }
      if (content === undefined) return undefined;
      const options: ts.CreateSourceFileOptions =
        typeof languageVersionOrOptions === "object" ? { ...languageVersionOrOptions } : { languageVersion: languageVersionOrOptions };
      options.jsDocParsingMode = withoutDocs(fileName) ? ts.JSDocParsingMode.ParseNone : ts.JSDocParsingMode.ParseAll;
      const sf = ts.createSourceFile(fileName, content, options, true);
      this.parsed.set(fileName, sf);
      return sf;
    };
    this.host = host;
  }

  /** How many files the project itself lists (its tsconfig's files, plus files added since). */
  get rootCount(): number {
    return this.roots.size;
  }

  /** A file changed, appeared or disappeared on disk. */
  invalidate(path: string): void {
    const normalized = path.split(sep).join("/");
    this.parsed.delete(normalized);
    const exists = existsSync(path);
    if (!exists) this.roots.delete(normalized);
    else if (/\.[cm]?tsx?$/.test(path) && !path.endsWith(".d.ts") && !this.isKnown(normalized)) this.roots.add(normalized);
    this.program = undefined;
  }

  private isKnown(file: string): boolean {
    return this.roots.has(file) || this.lastProgram?.getSourceFile(file) !== undefined;
  }

  getProgram(): ts.Program {
    this.program ??= ts.createProgram({ rootNames: [...this.roots], options: this.options, host: this.host, oldProgram: this.lastProgram });
    this.lastProgram = this.program;
    return this.program;
  }

  private lastProgram: ts.Program | undefined;
}

export class FunctionExtractor {
  private readonly programHost: ProgramHost;
  private readonly cwd: string;
  private readonly outDir: string;
  private readonly cache = new Map<string, FileResult>();
  private readonly packageNames = new Map<string, string | null>();

  constructor(options: ExtractorOptions) {
    this.cwd = resolve(options.cwd);
    this.outDir = resolve(this.cwd, options.outDir);
    this.programHost = new ProgramHost(resolve(this.cwd, options.tsconfig));
  }

  /** How many source files the project lists (the functions stage formats on workers from 16). */
  get sourceFileCount(): number {
    return this.programHost.rootCount;
  }

  /** Tells the extractor that these files changed on disk (added, edited or deleted). */
  update(paths: Iterable<string>): void {
    for (const raw of paths) {
      const path = resolve(this.cwd, raw);
      this.programHost.invalidate(path);
      for (const [file, result] of this.cache) {
        if (file === path || result.deps.has(path)) this.cache.delete(file);
      }
    }
  }

  /**
   * Scans the project and returns every registered function, or the diagnostics. `onFile` is
   * called for each file with functions as soon as it is done (emitters start early with it).
   */
  extract(onFile?: (file: string, functions: readonly ExtractedFunction[]) => void): ExtractResult {
    const program = this.programHost.getProgram();
    const project = this.projectContext(program);
    const functions: ExtractedFunction[] = [];
    const diagnostics: Diagnostic[] = [];
    const seen = new Map<string, { fn: ExtractedFunction; file: FileResult }>();
    const byFile: ExtractResult["byFile"] = [];
    const hookFiles: string[] = [];
    const states: ExtractedState[] = [];
    const stateSeen = new Map<string, ts.Node>();
    const files = program
      .getSourceFiles()
      .filter((sf) => this.isProjectFile(sf, program))
      .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
    for (const sf of files) {
      let result = this.cache.get(sf.fileName);
      if (!result) {
        result = scanFile(project, sf);
        this.cache.set(sf.fileName, result);
      }
      diagnostics.push(...result.diagnostics);
      if (result.hooks.length > 0) hookFiles.push(resolve(sf.fileName));
      if (result.functions.length > 0) {
        byFile.push({ file: resolve(sf.fileName), functions: result.functions });
        onFile?.(resolve(sf.fileName), result.functions);
      }
      for (const fn of result.functions) {
        const iface = fn.implementation.interface;
        const first = seen.get(iface);
        if (first) {
          const at = result.places.get(fn)!;
          const firstAt = first.file.places.get(first.fn)!;
          diagnostics.push(diagnosticAt(at, this.cwd, DIAGNOSTICS.duplicateInterface, { iface, first: placeText(firstAt, this.cwd) }));
          continue;
        }
        seen.set(iface, { fn, file: result });
        functions.push(fn);
      }
      for (const { state, at } of result.states) {
        const first = stateSeen.get(state.name);
        if (first) {
          diagnostics.push(diagnosticAt(at, this.cwd, DIAGNOSTICS.stateDuplicate, { name: state.name, first: placeText(first, this.cwd) }));
          continue;
        }
        stateSeen.set(state.name, at);
        states.push(state);
      }
    }
    diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
    return { functions, diagnostics, byFile, scanned: files.map((sf) => resolve(sf.fileName)), hookFiles, states };
  }

  /** What the scan of every file shares in this run (a new program each run). */
  private projectContext(program: ts.Program): ProjectContext {
    const libFiles = new Map<ts.SourceFile, boolean>();
    return {
      program,
      checker: program.getTypeChecker(),
      cwd: this.cwd,
      relative: (file) => this.relative(file),
      isPackageDeclaration: (decl) => this.isPackageDeclaration(decl),
      isDefaultLibrary: (sf) => {
        let lib = libFiles.get(sf);
        if (lib === undefined) {
          lib = program.isSourceFileDefaultLibrary(sf);
          libFiles.set(sf, lib);
        }
        return lib;
      },
    };
  }

  private isProjectFile(sf: ts.SourceFile, program: ts.Program): boolean {
    if (sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf)) return false;
    const file = resolve(sf.fileName);
    if (file.includes(`${sep}node_modules${sep}`)) return false;
    if (file.startsWith(this.outDir + sep)) return false;
    return true;
  }

  relative(file: string): string {
    const rel = relative(this.cwd, file).split(sep).join("/");
    return rel.startsWith("..") ? file : rel;
  }

  /** The `name` of the package.json that owns `file`, cached per directory. */
  packageNameOf(file: string): string | null {
    let dir = dirname(resolve(file));
    const visited: string[] = [];
    let name: string | null = null;
    for (;;) {
      const cached = this.packageNames.get(dir);
      if (cached !== undefined) {
        name = cached;
        break;
      }
      visited.push(dir);
      const pkg = join(dir, "package.json");
      if (existsSync(pkg)) {
        try {
          name = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name ?? null;
        } catch {
          name = null;
        }
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    for (const d of visited) this.packageNames.set(d, name);
    return name;
  }

  isPackageDeclaration(decl: ts.Node | undefined): boolean {
    if (!decl) return false;
    return this.packageNameOf(decl.getSourceFile().fileName) === "arkitekt-next";
  }

  get projectDir(): string {
    return this.cwd;
  }
}

/** Reads every `register()` call of one file; a call with problems adds diagnostics instead of a function. */
function scanFile(project: ProjectContext, sf: ts.SourceFile): FileResult {
  const ctx = new ScanContext(project, sf);
  const functions: ExtractedFunction[] = [];
  const places = new Map<ExtractedFunction, ts.Node>();
  for (const call of findRegisterCalls(ctx)) {
    const fn = ctx.attempt(() => extractRegisteredFunction(ctx, call));
    if (!fn) continue;
    functions.push(fn);
    places.set(fn, call);
  }
  const states: FileResult["states"] = [];
  for (const call of findStateCalls(ctx)) {
    const state = ctx.attempt(() => extractState(ctx, call));
    if (state) states.push({ state, at: call });
  }
  const hooks = findHookCalls(ctx);
  return { functions, diagnostics: ctx.diagnostics, deps: ctx.deps, places, states, hooks };
}
