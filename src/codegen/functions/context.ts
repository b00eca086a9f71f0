/**
 * The state the extractor's modules share, passed as one object instead of positional arguments:
 * `ProjectContext` for one `extract()` run (program, checker, project directory, package lookup),
 * `ScanContext` for one source file being scanned (its diagnostics sink and the files its results
 * depend on).
 */
import { resolve } from "node:path";
import { ts } from "./typescript.js";
import type { Diagnostic } from "../types.js";
import { ExtractionFailed, diagnosticAt, type DiagnosticTemplate, type TemplateParams } from "./diagnostics.js";

/** What one extraction run knows about the project. */
export interface ProjectContext {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** The project directory; diagnostics name files relative to it. */
  readonly cwd: string;
  /** `file` relative to the project directory (posix separators), or absolute outside it. */
  relative(file: string): string;
  /** Whether `decl` is declared by the `arkitekt-next` package (its `register`, its `Int`). */
  isPackageDeclaration(decl: ts.Node | undefined): boolean;
  /** Whether `sf` is one of TypeScript's default lib files (cached). */
  isDefaultLibrary(sf: ts.SourceFile): boolean;
}

/** One source file being scanned: where its diagnostics go and which files its results read. */
export class ScanContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Files whose content this file's results depend on (edits to them invalidate the results). */
  readonly deps = new Set<string>();
  readonly checker: ts.TypeChecker;
  readonly program: ts.Program;

  constructor(
    readonly project: ProjectContext,
    readonly sf: ts.SourceFile,
  ) {
    this.checker = project.checker;
    this.program = project.program;
  }

  get cwd(): string {
    return this.project.cwd;
  }

  /** Records a diagnostic from the table and abandons what is being read (`ExtractionFailed`). */
  report<P>(at: ts.Node, template: DiagnosticTemplate<P>, ...params: TemplateParams<P>): never {
    const diagnostic = diagnosticAt(at, this.cwd, template, ...params);
    this.diagnostics.push(diagnostic);
    throw new ExtractionFailed(diagnostic.message);
  }

  /** Runs `read`; a reported problem ends it (returns undefined), anything else propagates. */
  attempt<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (error instanceof ExtractionFailed) return undefined;
      throw error;
    }
  }

  /** The results of this file depend on the file declaring `node`. */
  dependOn(node: ts.Node | undefined): void {
    if (!node) return;
    const sf = node.getSourceFile();
    if (!sf.isDeclarationFile) this.deps.add(resolve(sf.fileName));
  }

  /** Records the files an import alias passes through (re-exports), so edits to them invalidate us. */
  noteAliasChain(symbol: ts.Symbol): void {
    let current: ts.Symbol | undefined = symbol;
    for (let i = 0; current && current.flags & ts.SymbolFlags.Alias && i < 16; i++) {
      for (const d of current.declarations ?? []) this.dependOn(d);
      current = this.checker.getImmediateAliasedSymbol(current);
    }
  }

  /** Whether `type` is the global (lib) type `name`, e.g. Date or Promise. */
  isGlobal(type: ts.Type, name: string): boolean {
    const symbol = type.getSymbol();
    if (!symbol || symbol.name !== name) return false;
    return (symbol.declarations ?? []).some((d) => this.project.isDefaultLibrary(d.getSourceFile()));
  }

  /** A type as the user wrote it (the node's text), else as the checker prints it. */
  written(type: ts.Type, node: ts.TypeNode | undefined): string {
    return node ? node.getText() : this.checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
  }

  /** Whether `type` is the package's `Int` alias (whatever it is imported as). */
  isIntType(type: ts.Type): boolean {
    const alias = type.aliasSymbol;
    return alias !== undefined && alias.name === "Int" && this.project.isPackageDeclaration(alias.declarations?.[0]);
  }

  /** The name `symbol` is exported under from `file`, if it is. */
  exportNameOf(symbol: ts.Symbol, file: ts.SourceFile): string | undefined {
    const moduleSymbol = this.checker.getSymbolAtLocation(file);
    if (!moduleSymbol) return undefined;
    for (const exported of this.checker.getExportsOfModule(moduleSymbol)) {
      const resolved = exported.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(exported) : exported;
      if (resolved === symbol) return exported.name;
    }
    return undefined;
  }
}
