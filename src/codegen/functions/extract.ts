/**
 * The extractor: finds every `register(...)` call whose callee resolves to the package's
 * `register` (any import alias, re-exports included), reads the registered function's signature
 * with the type checker and maps it to ports (DESIGN.md, "Type to port mapping").
 *
 * One long-lived ts-morph `Project` backs it; `update(paths)` re-reads only changed files and the
 * per-file results that depended on them are recomputed, the rest come from a cache. The walk
 * itself uses the compiler API directly (ts-morph's wrappers cost too much on large projects).
 */
import type { RegisterOptions } from "../../index.js";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Project, ts } from "ts-morph";
import type { Choice, Definition, EffectClass, JsonValue, Port, PortKind } from "../../definition/model.js";
import type { Diagnostic } from "../types.js";
import type { ExtractedArg, ExtractedFunction, PortNode, TsForm, TypeRef } from "./model.js";
import { modulePath, snakeCase, titleCase } from "./naming.js";

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
}

interface FileResult {
  functions: ExtractedFunction[];
  diagnostics: Diagnostic[];
  /** Files whose content this result depends on. */
  deps: Set<string>;
  /** The `register()` call position, per function, for duplicate reports. */
  places: Map<ExtractedFunction, ts.Node>;
}

const HINT_PORT_TYPES =
  "use number, Int, string, boolean, Date, an enum, a string-literal union, an array, Record<string, T>, an interface, or a structure class";

export class FunctionExtractor {
  readonly project: Project;
  private readonly cwd: string;
  private readonly outDir: string;
  private readonly cache = new Map<string, FileResult>();
  private readonly packageNames = new Map<string, string | null>();

  constructor(options: ExtractorOptions) {
    this.cwd = resolve(options.cwd);
    this.outDir = resolve(this.cwd, options.outDir);
    const tsConfigFilePath = resolve(this.cwd, options.tsconfig);
    this.project = new Project({ tsConfigFilePath, skipFileDependencyResolution: true });
  }

  /** Tells the extractor that these files changed on disk (added, edited or deleted). */
  update(paths: Iterable<string>): void {
    for (const raw of paths) {
      const path = resolve(this.cwd, raw);
      const existing = this.project.getSourceFile(path);
      if (existing) {
        if (existsSync(path)) existing.refreshFromFileSystemSync();
        else this.project.removeSourceFile(existing);
      } else if (existsSync(path) && /\.[cm]?tsx?$/.test(path) && !path.endsWith(".d.ts")) {
        this.project.addSourceFileAtPath(path);
      }
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
    const program = this.project.getProgram().compilerObject;
    const checker = program.getTypeChecker();
    const functions: ExtractedFunction[] = [];
    const diagnostics: Diagnostic[] = [];
    const seen = new Map<string, { fn: ExtractedFunction; file: FileResult }>();
    const byFile: ExtractResult["byFile"] = [];
    const files = program
      .getSourceFiles()
      .filter((sf) => this.isProjectFile(sf, program))
      .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
    for (const sf of files) {
      let result = this.cache.get(sf.fileName);
      if (!result) {
        result = new FileScan(this, program, checker, sf).run();
        this.cache.set(sf.fileName, result);
      }
      diagnostics.push(...result.diagnostics);
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
          const firstPlace = placeOf(firstAt, this.cwd);
          diagnostics.push(
            makeDiagnostic(
              at,
              this.cwd,
              "ARK_DUPLICATE_INTERFACE",
              `interface "${iface}" is already registered at ${firstPlace.file}:${firstPlace.line}:${firstPlace.column}`,
              `interfaces must be unique per app: rename one function or pass register(fn, { interface: "..." })`,
            ),
          );
          continue;
        }
        seen.set(iface, { fn, file: result });
        functions.push(fn);
      }
    }
    diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
    return { functions, diagnostics, byFile };
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

function placeOf(node: ts.Node, cwd: string): { file: string; line: number; column: number; sourceLine: string } {
  const sf = node.getSourceFile();
  const start = node.getStart(sf);
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  const rel = relative(cwd, sf.fileName).split(sep).join("/");
  const lineStart = sf.getLineStarts()[line] ?? 0;
  const lineEnd = sf.getLineEndOfPosition(start);
  return {
    file: rel.startsWith("..") ? sf.fileName : rel,
    line: line + 1,
    column: character + 1,
    sourceLine: sf.text.slice(lineStart, lineEnd),
  };
}

function makeDiagnostic(node: ts.Node, cwd: string, code: string, message: string, hint: string): Diagnostic {
  const place = placeOf(node, cwd);
  return { ...place, code, message, hint };
}

interface JsDocInfo {
  description: string | null;
  params: Map<string, string>;
  returns: string | null;
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string | null {
  const text = ts.getTextOfJSDocComment(comment)?.trim();
  return text ? text : null;
}

function jsDocsOf(node: ts.Node): ts.JSDoc[] {
  return ((node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []).filter((d) => d.kind === ts.SyntaxKind.JSDoc);
}

function readJsDoc(nodes: ts.Node[]): JsDocInfo {
  const info: JsDocInfo = { description: null, params: new Map(), returns: null };
  for (const node of nodes) {
    const docs = jsDocsOf(node);
    const doc = docs[docs.length - 1];
    if (!doc) continue;
    info.description = commentText(doc.comment);
    for (const tag of doc.tags ?? []) {
      if (ts.isJSDocParameterTag(tag)) {
        const name = tag.name.getText();
        const text = commentText(tag.comment)?.replace(/^-\s*/, "");
        if (text) info.params.set(name, text);
      } else if (ts.isJSDocReturnTag(tag)) {
        info.returns = commentText(tag.comment);
      }
    }
    return info;
  }
  return info;
}

function docOfDeclaration(node: ts.Node | undefined): string | null {
  if (!node) return null;
  const docs = jsDocsOf(node);
  const doc = docs[docs.length - 1];
  return doc ? commentText(doc.comment) : null;
}

type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

const OPTION_KEYS = new Set([
  "interface",
  "key",
  "name",
  "description",
  "version",
  "collections",
  "stateful",
  "pure",
  "idempotent",
  "effect",
  "needsToken",
  "ports",
]);

class Failed extends Error {}

/** Scans one source file for `register()` calls. */
class FileScan {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly functions: ExtractedFunction[] = [];
  private readonly places = new Map<ExtractedFunction, ts.Node>();
  private readonly deps = new Set<string>();
  private readonly cwd: string;

  constructor(
    private readonly owner: FunctionExtractor,
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
    private readonly sf: ts.SourceFile,
  ) {
    this.cwd = owner.projectDir;
  }

  run(): FileResult {
    if (this.sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s))) {
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && this.isRegisterCall(node)) this.registerCall(node);
        ts.forEachChild(node, visit);
      };
      visit(this.sf);
    }
    return { functions: this.functions, diagnostics: this.diagnostics, deps: this.deps, places: this.places };
  }

  private isRegisterCall(call: ts.CallExpression): boolean {
    const callee = call.expression;
    const name = ts.isIdentifier(callee)
      ? callee
      : ts.isPropertyAccessExpression(callee)
        ? callee.name
        : undefined;
    if (!name) return false;
    let symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return false;
    if (symbol.flags & ts.SymbolFlags.Alias) {
      this.noteAliasChain(symbol);
      symbol = this.checker.getAliasedSymbol(symbol);
    }
    const decl = symbol.declarations?.[0];
    return (
      symbol.name === "register" &&
      decl !== undefined &&
      ts.isFunctionDeclaration(decl) &&
      this.owner.isPackageDeclaration(decl)
    );
  }

  /** Records the files an import alias passes through (re-exports), so edits to them invalidate us. */
  private noteAliasChain(symbol: ts.Symbol): void {
    let current: ts.Symbol | undefined = symbol;
    for (let i = 0; current && current.flags & ts.SymbolFlags.Alias && i < 16; i++) {
      for (const d of current.declarations ?? []) this.dep(d);
      current = this.checker.getImmediateAliasedSymbol(current);
    }
  }

  private dep(node: ts.Node | undefined): void {
    if (!node) return;
    const sf = node.getSourceFile();
    if (!sf.isDeclarationFile) this.deps.add(resolve(sf.fileName));
  }

  private report(node: ts.Node, code: string, message: string, hint: string): never {
    this.diagnostics.push(makeDiagnostic(node, this.cwd, code, message, hint));
    throw new Failed(message);
  }

  private registerCall(call: ts.CallExpression): void {
    try {
      this.registerCallUnsafe(call);
    } catch (error) {
      if (!(error instanceof Failed)) throw error;
    }
  }

  private registerCallUnsafe(call: ts.CallExpression): void {
    const target = call.arguments[0];
    if (!target) this.report(call, "ARK_NOT_A_FUNCTION", "register() needs the function to register", "call register(fn) or register(fn, options)");
    const fnNode = this.resolveFunction(target);
    const options = this.readOptions(call.arguments[1]);
    const fnName = this.functionName(fnNode, call);
    const exportRef = this.findExport(call, fnNode, target);
    const iface = options.interface ?? snakeCase(fnName);
    const ctx: MapContext = { iface, fn: fnName, stack: [], path: [] };

    const hostNodes = docHosts(fnNode, call);
    const doc = readJsDoc(hostNodes);
    const portOptions = options.ports ?? {};

    const generator = fnNode.asteriskToken !== undefined;
    const args: ExtractedArg[] = [];
    let failed = false;
    for (const param of fnNode.parameters) {
      try {
        args.push(this.mapParameter(param, ctx, doc, portOptions));
      } catch (error) {
        if (!(error instanceof Failed)) throw error;
        failed = true;
      }
    }
    let returns: PortNode[] = [];
    let tupleReturn = false;
    try {
      ({ returns, tupleReturn } = this.mapReturns(fnNode, generator, ctx, doc, portOptions));
    } catch (error) {
      if (!(error instanceof Failed)) throw error;
      failed = true;
    }
    if (failed) return;
    const known = new Set([...args.map((a) => a.node.port.key), ...returns.map((r) => r.port.key)]);
    const strange = Object.keys(portOptions).filter((key) => !known.has(key));
    if (strange.length > 0) {
      this.report(
        call.arguments[1] ?? call,
        "ARK_OPTIONS",
        `option "ports" names ${strange.map((k) => `"${k}"`).join(", ")}, which ${strange.length === 1 ? "is not a port" : "are not ports"} of "${fnName}"`,
        `ports are keyed by parameter name or return0, return1, ...: ${[...known].join(", ") || "(none)"}`,
      );
    }

    const hasDoc = doc.description !== null || doc.params.size > 0 || doc.returns !== null;
    const definition: Definition = {
      key: options.key ?? fnName,
      version: options.version ?? "1",
      name: options.name ?? titleCase(fnName),
      kind: generator ? "GENERATOR" : "FUNCTION",
      description: options.description ?? doc.description ?? "No Description",
      collections: options.collections ?? [],
      stateful: options.stateful ?? false,
      pure: options.pure ?? false,
      idempotent: (options.idempotent ?? false) || (options.pure ?? false),
      isDev: !hasDoc && options.description === undefined,
      portGroups: [],
      args: args.map((a) => a.node.port),
      returns: returns.map((r) => r.port),
      isTestFor: [],
    };
    const effect: EffectClass = options.effect ?? "NONE";
    if (definition.pure && definition.stateful) {
      this.report(call.arguments[1] ?? call, "ARK_OPTIONS", "an action cannot be both pure and stateful", "drop one of the two flags");
    }
    if (definition.pure && effect === "PHYSICAL") {
      this.report(call.arguments[1] ?? call, "ARK_OPTIONS", "a pure action cannot have a PHYSICAL effect", "drop `pure` or set effect to NONE");
    }
    const extracted: ExtractedFunction = {
      implementation: {
        interface: iface,
        definition,
        effect,
        needsToken: options.needsToken ?? true,
        dependencies: [],
      },
      fn: exportRef,
      registeredIn: resolve(this.sf.fileName),
      generator,
      args,
      returns,
      tupleReturn,
    };
    this.functions.push(extracted);
    this.places.set(extracted, call);
  }

  /** The function node registered: inline, or by reference (possibly imported). */
  private resolveFunction(expr: ts.Expression): FunctionNode {
    let node: ts.Node = expr;
    while (ts.isParenthesizedExpression(node as ts.Expression) || ts.isAsExpression(node as ts.Expression) || ts.isSatisfiesExpression(node as ts.Expression)) {
      node = (node as ts.ParenthesizedExpression).expression;
    }
    if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) return node;
    if (ts.isIdentifier(node)) {
      let symbol = this.checker.getSymbolAtLocation(node);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
        this.noteAliasChain(symbol);
        symbol = this.checker.getAliasedSymbol(symbol);
      }
      const decl = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
      if (decl) {
        this.dep(decl);
        if (ts.isFunctionDeclaration(decl) && decl.body) return decl;
        if (ts.isVariableDeclaration(decl) && decl.initializer) {
          const init = decl.initializer;
          if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) return init;
        }
      }
    }
    const type = this.checker.getTypeAtLocation(expr);
    return this.report(
      expr,
      "ARK_NOT_A_FUNCTION",
      `register() needs a function declaration, function expression or arrow function; got "${expr.getText()}" of type "${this.checker.typeToString(type)}"`,
      "pass the function itself: register(function name(...) {...}), register((a: number) => ...), or the name of a function declared in this project",
    );
  }

  private functionName(fn: FunctionNode, call: ts.CallExpression): string {
    if (!ts.isArrowFunction(fn) && fn.name) return fn.name.text;
    if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
    let parent: ts.Node = call.parent;
    while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent)) parent = parent.parent;
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (ts.isExportAssignment(parent)) {
      const base = this.sf.fileName.replace(/^.*[\\/]/, "").replace(/\.[cm]?tsx?$/, "");
      return base.replace(/[-_.]+(\w)/g, (_, c: string) => c.toUpperCase());
    }
    return this.report(
      fn,
      "ARK_ANONYMOUS_FUNCTION",
      "cannot name this registered function",
      "give the function a name (function blurImage(...) {...}) or assign the register() call to a const",
    );
  }

  /** How generated code imports the registered function: an export of the call's file or of the function's file. */
  private findExport(call: ts.CallExpression, fn: FunctionNode, target: ts.Expression): TypeRef {
    let parent: ts.Node = call.parent;
    while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent)) parent = parent.parent;
    if (ts.isExportAssignment(parent) && !parent.isExportEquals) {
      return { file: resolve(this.sf.fileName), name: "default" };
    }
    const candidates: Array<{ symbol: ts.Symbol; file: ts.SourceFile }> = [];
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
      const symbol = this.checker.getSymbolAtLocation(parent.name);
      if (symbol) candidates.push({ symbol, file: this.sf });
    }
    if (ts.isFunctionDeclaration(fn) && fn.name) {
      const symbol = this.checker.getSymbolAtLocation(fn.name);
      if (symbol) candidates.push({ symbol, file: fn.getSourceFile() });
    } else if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) {
      const symbol = this.checker.getSymbolAtLocation(fn.parent.name);
      if (symbol) candidates.push({ symbol, file: fn.getSourceFile() });
    }
    for (const { symbol, file } of candidates) {
      const name = this.exportNameOf(symbol, file);
      if (name) return { file: resolve(file.fileName), name };
    }
    return this.report(
      ts.isIdentifier(target) ? target : call,
      "ARK_NOT_EXPORTED",
      "the registered function is not exported, so generated/registry.ts cannot import it",
      "export it: `export const name = register(...)`, `export default register(...)`, or export the function declaration",
    );
  }

  private exportNameOf(symbol: ts.Symbol, file: ts.SourceFile): string | undefined {
    const moduleSymbol = this.checker.getSymbolAtLocation(file);
    if (!moduleSymbol) return undefined;
    for (const exported of this.checker.getExportsOfModule(moduleSymbol)) {
      const resolved = exported.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(exported) : exported;
      if (resolved === symbol) return exported.name;
    }
    return undefined;
  }

  private readOptions(arg: ts.Expression | undefined): ParsedOptions {
    if (!arg) return {};
    if (!ts.isObjectLiteralExpression(arg)) {
      this.report(arg, "ARK_OPTIONS", "register() options must be an object literal", "write the options inline: register(fn, { name: \"...\" }); the generator reads them without running your code");
    }
    const out: ParsedOptions = {};
    for (const prop of (arg as ts.ObjectLiteralExpression).properties) {
      if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) {
        this.report(prop, "ARK_OPTIONS", "register() options must be plain `key: literal` properties", "no spreads, methods or computed keys");
      }
      const p = prop as ts.PropertyAssignment;
      const key = (p.name as ts.Identifier | ts.StringLiteral).text;
      if (!OPTION_KEYS.has(key)) {
        this.report(p.name, "ARK_OPTIONS", `unknown register() option "${key}"`, `known options: ${[...OPTION_KEYS].join(", ")}`);
      }
      const value = this.literal(p.initializer);
      if (value === NOT_LITERAL) {
        this.report(p.initializer, "ARK_OPTIONS", `option "${key}" must be a literal`, "the generator reads options without running your code: write the value inline");
      }
      const bad = (expected: string): never =>
        this.report(p.initializer, "ARK_OPTIONS", `option "${key}" must be ${expected}`, "see RegisterOptions in arkitekt-next");
      switch (key) {
        case "stateful":
        case "pure":
        case "idempotent":
        case "needsToken":
          if (typeof value !== "boolean") bad("true or false");
          out[key] = value as boolean;
          break;
        case "collections":
          if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) bad("an array of strings");
          out.collections = value as string[];
          break;
        case "effect":
          if (value !== "NONE" && value !== "PHYSICAL") bad('"NONE" or "PHYSICAL"');
          out.effect = value as EffectClass;
          break;
        case "ports": {
          if (value === null || typeof value !== "object" || Array.isArray(value)) bad("an object keyed by port key");
          const ports: Record<string, { label?: string; description?: string }> = {};
          for (const [portKey, spec] of Object.entries(value as Record<string, JsonValue>)) {
            if (spec === null || typeof spec !== "object" || Array.isArray(spec)) bad(`{ label?, description? } for port "${portKey}"`);
            const s = spec as Record<string, JsonValue>;
            for (const [k, v] of Object.entries(s)) {
              if ((k !== "label" && k !== "description") || typeof v !== "string") bad(`{ label?: string, description?: string } for port "${portKey}"`);
            }
            ports[portKey] = s as { label?: string; description?: string };
          }
          out.ports = ports;
          break;
        }
        default:
          if (typeof value !== "string" || value === "") bad("a non-empty string");
          (out as Record<string, unknown>)[key] = value;
      }
    }
    return out;
  }

  /** A literal expression's JSON value, or NOT_LITERAL. Enum member accesses give `{enumMember}`. */
  private literal(expr: ts.Expression): JsonValue | EnumMemberValue | typeof NOT_LITERAL {
    while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) expr = expr.expression;
    if (ts.isNumericLiteral(expr)) return Number(expr.text);
    if (ts.isPrefixUnaryExpression(expr) && ts.isNumericLiteral(expr.operand)) {
      if (expr.operator === ts.SyntaxKind.MinusToken) return -Number(expr.operand.text);
      if (expr.operator === ts.SyntaxKind.PlusToken) return Number(expr.operand.text);
    }
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
    if (expr.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (expr.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (expr.kind === ts.SyntaxKind.NullKeyword) return null;
    if (ts.isArrayLiteralExpression(expr)) {
      const items: JsonValue[] = [];
      for (const element of expr.elements) {
        const v = this.literal(element);
        if (v === NOT_LITERAL || isEnumMember(v)) return NOT_LITERAL;
        items.push(v);
      }
      return items;
    }
    if (ts.isObjectLiteralExpression(expr)) {
      const out: Record<string, JsonValue> = {};
      for (const prop of expr.properties) {
        if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) return NOT_LITERAL;
        const v = this.literal(prop.initializer);
        if (v === NOT_LITERAL || isEnumMember(v)) return NOT_LITERAL;
        out[prop.name.text] = v;
      }
      return out;
    }
    if (ts.isPropertyAccessExpression(expr)) {
      let symbol = this.checker.getSymbolAtLocation(expr);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
      if (symbol && symbol.flags & ts.SymbolFlags.EnumMember) return { enumMember: symbol };
    }
    return NOT_LITERAL;
  }

  private mapParameter(
    param: ts.ParameterDeclaration,
    ctx: MapContext,
    doc: JsDocInfo,
    overrides: Record<string, { label?: string; description?: string }>,
  ): ExtractedArg {
    if (!ts.isIdentifier(param.name)) {
      this.report(param.name, "ARK_PARAMETER", "destructured parameters cannot become ports", "take a named parameter (e.g. `settings: Settings`) and destructure it in the body");
    }
    if (param.dotDotDotToken) {
      this.report(param, "ARK_PARAMETER", "rest parameters cannot become ports", "take an array parameter instead (`items: T[]`)");
    }
    const key = (param.name as ts.Identifier).text;
    ctx.path = [key];
    const typeNode = param.type;
    const type = typeNode ? this.checker.getTypeFromTypeNode(typeNode) : this.checker.getTypeAtLocation(param);
    const node = this.mapType(type, typeNode, typeNode ?? param, key, ctx, false);
    const optional = param.questionToken !== undefined || param.initializer !== undefined;
    if (optional) node.port.nullable = true;
    if (param.questionToken && !node.hasUndefined) node.hasUndefined = true;
    const init = param.initializer;
    if (init && !(ts.isIdentifier(init) && init.text === "undefined")) node.port.default = this.defaultValue(init, node);
    node.port = orderPort({
      ...node.port,
      label: overrides[key]?.label ?? key,
      description: overrides[key]?.description ?? doc.params.get(key) ?? node.port.description ?? null,
    });
    return { node, optional };
  }

  private defaultValue(init: ts.Expression, node: PortNode): JsonValue {
    const value = this.literal(init);
    const port = node.port;
    if (value === NOT_LITERAL) {
      this.report(init, "ARK_DEFAULT_NOT_LITERAL", `the default "${init.getText()}" is not a literal`, "defaults go into the manifest: use a number, string, boolean, null, an array of literals, or an enum member");
    }
    if (port.kind === "MODEL" || port.kind === "STRUCTURE") {
      if (value !== null) this.report(init, "ARK_DEFAULT_NOT_LITERAL", `a ${port.kind} port cannot have a default`, "make the parameter optional (`x?: T`) or default it to null");
    }
    if (isEnumMember(value)) {
      if (port.kind !== "ENUM" || !node.enumRef) {
        this.report(init, "ARK_DEFAULT_NOT_LITERAL", `the default "${init.getText()}" is an enum member, but the port is ${port.kind}`, "use a default of the parameter's own type");
      }
      return value.enumMember.name;
    }
    if (port.kind === "ENUM" && value !== null) {
      const choices = (port.choices ?? []).map((c) => c.value);
      if (!choices.includes(value as JsonValue)) {
        this.report(init, "ARK_DEFAULT_NOT_LITERAL", `the default ${JSON.stringify(value)} is not one of the choices ${choices.map((c) => JSON.stringify(c)).join(", ")}`, "use one of the enum's members");
      }
    }
    return value as JsonValue;
  }

  private mapReturns(
    fn: FunctionNode,
    generator: boolean,
    ctx: MapContext,
    doc: JsDocInfo,
    overrides: Record<string, { label?: string; description?: string }>,
  ): { returns: PortNode[]; tupleReturn: boolean } {
    const signature = this.checker.getSignatureFromDeclaration(fn);
    let type = fn.type ? this.checker.getTypeFromTypeNode(fn.type) : signature ? this.checker.getReturnTypeOfSignature(signature) : undefined;
    let typeNode: ts.TypeNode | undefined = fn.type;
    const at: ts.Node = fn.type ?? (ts.isArrowFunction(fn) ? fn : (fn.name ?? fn));
    if (!type) this.report(at, "ARK_UNSUPPORTED_TYPE", "cannot read the return type", "annotate the return type");
    if (generator) {
      const name = type.getSymbol()?.name ?? "";
      if (!/^(Async)?(Generator|IterableIterator|Iterable|Iterator)$/.test(name)) {
        this.report(at, "ARK_UNSUPPORTED_TYPE", `a generator's return type must be Generator<T> or AsyncGenerator<T>, got "${this.written(type, typeNode)}"`, "annotate it as AsyncGenerator<T> (T is what each yield sends)");
      }
      const args = this.checker.getTypeArguments(type as ts.TypeReference);
      type = args[0]!;
      typeNode = typeNode && ts.isTypeReferenceNode(typeNode) ? typeNode.typeArguments?.[0] : undefined;
    } else if (this.isGlobal(type, "Promise")) {
      const whole = this.written(type, typeNode);
      type = this.checker.getTypeArguments(type as ts.TypeReference)[0]!;
      typeNode = typeNode && ts.isTypeReferenceNode(typeNode) ? typeNode.typeArguments?.[0] : undefined;
      if (this.isGlobal(type, "Promise")) {
        this.report(typeNode ?? at, "ARK_NESTED_PROMISE", `the return type "${whole}" of "${ctx.fn}" is a Promise of a Promise`, "return Promise<T> with T a port type");
      }
    }
    if (type.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return { returns: [], tupleReturn: false };
    ctx.path = [];
    const describe = (key: string, index: number, count: number): string | null =>
      overrides[key]?.description ?? (index === 0 && count >= 1 ? doc.returns : null);
    if (this.checker.isTupleType(type)) {
      const elements = this.checker.getTypeArguments(type as ts.TypeReference);
      const nodes = typeNode && ts.isTupleTypeNode(typeNode) ? typeNode.elements : undefined;
      const returns = elements.map((element, i) => {
        const key = `return${i}`;
        ctx.path = [key];
        let elementNode = nodes?.[i];
        if (elementNode && ts.isNamedTupleMember(elementNode)) elementNode = elementNode.type;
        const node = this.mapType(element, elementNode, elementNode ?? at, key, ctx, true);
        node.port = orderPort({ ...node.port, label: overrides[key]?.label ?? node.port.label, description: describe(key, i, elements.length) ?? null });
        return node;
      });
      return { returns, tupleReturn: true };
    }
    ctx.path = ["return0"];
    const node = this.mapType(type, typeNode, typeNode ?? at, "return0", ctx, true);
    node.port = orderPort({ ...node.port, label: overrides.return0?.label ?? node.port.label, description: describe("return0", 0, 1) ?? null });
    return { returns: [node], tupleReturn: false };
  }

  private readonly libFiles = new Map<ts.SourceFile, boolean>();

  /** Whether `type` is the global (lib) type `name`, e.g. Date or Promise. */
  private isGlobal(type: ts.Type, name: string): boolean {
    const symbol = type.getSymbol();
    if (!symbol || symbol.name !== name) return false;
    return (symbol.declarations ?? []).some((d) => {
      const sf = d.getSourceFile();
      let lib = this.libFiles.get(sf);
      if (lib === undefined) {
        lib = this.program.isSourceFileDefaultLibrary(sf);
        this.libFiles.set(sf, lib);
      }
      return lib;
    });
  }

  private written(type: ts.Type, node: ts.TypeNode | undefined): string {
    return node ? node.getText() : this.checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
  }

  private isIntType(type: ts.Type): boolean {
    const alias = type.aliasSymbol;
    return alias !== undefined && alias.name === "Int" && this.owner.isPackageDeclaration(alias.declarations?.[0]);
  }

  /** Maps a type (with null/undefined members) to a port. */
  private mapType(type: ts.Type, typeNode: ts.TypeNode | undefined, at: ts.Node, key: string, ctx: MapContext, isReturn: boolean): PortNode {
    typeNode = unwrapTypeNode(typeNode);
    const all = type.isUnion() && !this.isIntType(type) ? type.types : [type];
    const isNullish = (t: ts.Type): boolean => (t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0;
    const hasNull = all.some((t) => (t.flags & ts.TypeFlags.Null) !== 0);
    const hasUndefined = all.some((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0);
    const rest = all.filter((t) => !isNullish(t));
    const memberNodes =
      typeNode && ts.isUnionTypeNode(typeNode)
        ? typeNode.types.map(unwrapTypeNode).filter((n): n is ts.TypeNode => n !== undefined && !isNullishNode(n))
        : typeNode && !isNullishNode(typeNode)
          ? [typeNode]
          : [];
    if (rest.length === 0) {
      this.report(at, "ARK_UNSUPPORTED_TYPE", `${describeSite(key, ctx, isReturn)} has type "${this.written(type, typeNode)}", which carries no value`, HINT_PORT_TYPES);
    }
    const groups = this.groupUnionMembers(rest, type);
    let node: PortNode;
    if (groups.length === 1) {
      const only = groups[0]!;
      const single = memberNodes.length === 1 ? memberNodes[0] : undefined;
      node = this.mapGroup(only, single ?? (rest.length === all.length ? typeNode : undefined), single ?? at, key, ctx, isReturn);
    } else {
      const children = groups.map((group, i) => {
        const groupNode = memberNodes.find((n) => group.types.includes(this.checker.getTypeFromTypeNode(n)));
        const child = this.mapGroup(group, groupNode, groupNode ?? at, String(i), ctx, isReturn);
        child.port = orderPort(child.port);
        return child;
      });
      node = {
        port: { key, kind: "UNION", nullable: false, children: children.map((c) => c.port) },
        children,
        ts: { form: "union" },
        hasNull: false,
        hasUndefined: false,
      };
    }
    node.port.key = key;
    if (hasNull || hasUndefined) node.port.nullable = true;
    node.hasNull = hasNull;
    node.hasUndefined = hasUndefined;
    node.port = orderPort(node.port);
    return node;
  }

  /** Groups union members: true|false -> boolean, string literals -> one ENUM, enum members per enum. */
  private groupUnionMembers(types: readonly ts.Type[], whole: ts.Type): UnionGroup[] {
    const groups: UnionGroup[] = [];
    const trueType = types.find((t) => t.flags & ts.TypeFlags.BooleanLiteral && this.checker.typeToString(t) === "true");
    const falseType = types.find((t) => t.flags & ts.TypeFlags.BooleanLiteral && this.checker.typeToString(t) === "false");
    const literals = types.filter((t) => t.flags & ts.TypeFlags.StringLiteral && !(t.flags & ts.TypeFlags.EnumLiteral));
    const enums = new Map<ts.Symbol, ts.Type[]>();
    for (const t of types) {
      if (t.flags & ts.TypeFlags.EnumLiteral && t.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral)) {
        const parent = (t.getSymbol() as (ts.Symbol & { parent?: ts.Symbol }) | undefined)?.parent;
        if (parent) {
          const list = enums.get(parent) ?? [];
          list.push(t);
          enums.set(parent, list);
        }
      }
    }
    const grouped = new Set<ts.Type>();
    for (const t of types) {
      if (grouped.has(t)) continue;
      if ((t === trueType || t === falseType) && trueType && falseType) {
        groups.push({ kind: "boolean", types: [trueType, falseType] });
        grouped.add(trueType).add(falseType);
      } else if (literals.includes(t)) {
        groups.push({ kind: "literals", types: literals });
        literals.forEach((l) => grouped.add(l));
      } else if (t.flags & ts.TypeFlags.EnumLiteral) {
        const parent = (t.getSymbol() as (ts.Symbol & { parent?: ts.Symbol }) | undefined)?.parent;
        const members = parent ? enums.get(parent) : undefined;
        if (parent && members) {
          groups.push({ kind: "enum", types: members, enumSymbol: parent });
          members.forEach((m) => grouped.add(m));
        } else {
          groups.push({ kind: "single", types: [t] });
          grouped.add(t);
        }
      } else {
        groups.push({ kind: "single", types: [t] });
        grouped.add(t);
      }
    }
    void whole;
    return groups;
  }

  private mapGroup(group: UnionGroup, typeNode: ts.TypeNode | undefined, at: ts.Node, key: string, ctx: MapContext, isReturn: boolean): PortNode {
    const base = (port: Omit<Port, "key" | "nullable">, ts: TsForm, children: PortNode[] = [], extra: Partial<PortNode> = {}): PortNode => ({
      port: { key, nullable: false, ...port },
      children,
      ts,
      hasNull: false,
      hasUndefined: false,
      ...extra,
    });
    switch (group.kind) {
      case "boolean":
        return base({ kind: "BOOL" }, { form: "keyword", text: "boolean" });
      case "literals": {
        const values = group.types.map((t) => (t as ts.StringLiteralType).value);
        return base(
          { kind: "ENUM", identifier: `literal.${values.join("_")}`, choices: values.map((v) => ({ label: v, value: v })) },
          { form: "literals", values },
        );
      }
      case "enum":
        return this.mapEnum(group.enumSymbol!, group.types, typeNode ?? at, key);
      case "single":
        return this.mapSingle(group.types[0]!, typeNode, at, key, ctx, isReturn);
    }
  }

  private mapEnum(enumSymbol: ts.Symbol, present: ts.Type[], at: ts.Node, key: string): PortNode {
    const decl = enumSymbol.declarations?.find(ts.isEnumDeclaration);
    if (!decl) this.report(at, "ARK_UNSUPPORTED_TYPE", `cannot find the declaration of enum ${enumSymbol.name}`, "declare the enum in this project");
    this.dep(decl);
    const presentNames = new Set(present.map((t) => t.getSymbol()?.name));
    const choices: Choice[] = [];
    for (const member of decl.members) {
      const name = member.name.getText();
      if (!presentNames.has(name)) continue;
      const choice: Choice = { label: name, value: name };
      const description = docOfDeclaration(member);
      if (description) choice.description = description;
      choices.push(choice);
    }
    const ref = this.refOf(enumSymbol, decl, at, "enum");
    const identifier = `${modulePath(this.owner.relative(decl.getSourceFile().fileName))}.${enumSymbol.name}`.toLowerCase();
    return {
      port: { key, kind: "ENUM", nullable: false, identifier, choices },
      children: [],
      ts: { form: "ref", ref },
      hasNull: false,
      hasUndefined: false,
      enumRef: ref,
    };
  }

  /** A named declaration generated code must import: it has to be exported from its file. */
  private refOf(symbol: ts.Symbol, decl: ts.Declaration, at: ts.Node, what: string): TypeRef {
    const sf = decl.getSourceFile();
    this.dep(decl);
    if (sf.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(sf)) {
      this.report(at, "ARK_NOT_EXPORTED", `${what} ${symbol.name} is declared outside the project (${this.owner.relative(sf.fileName)})`, `declare the ${what} in your project's sources, or wrap it in a type of your own`);
    }
    const name = this.exportNameOf(symbol, sf);
    if (!name) {
      const place = placeOf(decl, this.cwd);
      this.report(at, "ARK_NOT_EXPORTED", `${what} ${symbol.name} (${place.file}:${place.line}:${place.column}) is not exported, so generated/registry.ts cannot name it`, `add \`export\` to the ${what} declaration`);
    }
    return { file: resolve(sf.fileName), name: name! };
  }

  private mapSingle(type: ts.Type, typeNode: ts.TypeNode | undefined, at: ts.Node, key: string, ctx: MapContext, isReturn: boolean): PortNode {
    const written = this.written(type, typeNode);
    const site = describeSite(key, ctx, isReturn);
    const node = (port: Omit<Port, "key" | "nullable">, form: TsForm, children: PortNode[] = [], extra: Partial<PortNode> = {}): PortNode => ({
      port: { key, nullable: false, ...port },
      children,
      ts: form,
      hasNull: false,
      hasUndefined: false,
      ...extra,
    });
    const f = type.flags;
    if (f & ts.TypeFlags.Any) this.report(at, "ARK_ANY", `${site} has type "${written}": any cannot become a port`, HINT_PORT_TYPES);
    if (f & ts.TypeFlags.Unknown) this.report(at, "ARK_UNKNOWN", `${site} has type "${written}": unknown cannot become a port`, HINT_PORT_TYPES);
    if (f & ts.TypeFlags.Never) this.report(at, "ARK_UNSUPPORTED_TYPE", `${site} has type "${written}": never cannot become a port`, HINT_PORT_TYPES);
    if (f & ts.TypeFlags.BigIntLike) this.report(at, "ARK_BIGINT", `${site} has type "${written}": bigint has no JSON form`, "use number (or Int), or a string holding the digits");
    if (f & ts.TypeFlags.ESSymbolLike) this.report(at, "ARK_SYMBOL", `${site} has type "${written}": symbols cannot travel`, "use a string or an enum");
    if (f & ts.TypeFlags.TypeParameter) this.report(at, "ARK_GENERIC", `${site} has the generic type "${written}": the generator needs a concrete type`, "registered functions cannot be generic: replace the type parameter with a concrete port type");
    if (this.isIntType(type)) return node({ kind: "INT" }, { form: "keyword", text: "Int" });
    if (f & ts.TypeFlags.Number) return node({ kind: "FLOAT" }, { form: "keyword", text: "number" });
    if (f & ts.TypeFlags.String) return node({ kind: "STRING" }, { form: "keyword", text: "string" });
    if (f & ts.TypeFlags.Boolean) return node({ kind: "BOOL" }, { form: "keyword", text: "boolean" });
    if (f & ts.TypeFlags.StringLiteral) {
      const value = (type as ts.StringLiteralType).value;
      return node({ kind: "ENUM", identifier: `literal.${value}`, choices: [{ label: value, value }] }, { form: "literals", values: [value] });
    }
    if (f & (ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral)) {
      this.report(at, "ARK_UNSUPPORTED_TYPE", `${site} has the literal type "${written}"`, "use number/boolean, or a string-literal union or an enum for a fixed set of choices");
    }
    if (!(f & ts.TypeFlags.Object) && !(f & ts.TypeFlags.Intersection)) {
      this.report(at, "ARK_UNSUPPORTED_TYPE", `${site} has type "${written}", which no port kind can carry`, HINT_PORT_TYPES);
    }
    const symbol = type.getSymbol();
    if (this.isGlobal(type, "Date")) return node({ kind: "DATE" }, { form: "keyword", text: "Date" });
    if (this.isGlobal(type, "Promise")) this.report(at, "ARK_NESTED_PROMISE", `${site} has type "${written}": a Promise cannot be a port`, "only a function's own return type may be a Promise; take or return the awaited value");
    for (const name of ["Map", "ReadonlyMap", "WeakMap"]) {
      if (this.isGlobal(type, name)) this.report(at, "ARK_MAP", `${site} has type "${written}": a Map has no JSON form`, "use Record<string, T> (a DICT port)");
    }
    for (const name of ["Set", "ReadonlySet", "WeakSet"]) {
      if (this.isGlobal(type, name)) this.report(at, "ARK_SET", `${site} has type "${written}": a Set has no JSON form`, "use an array T[] (a LIST port)");
    }
    if (this.checker.isArrayType(type)) {
      const element = this.checker.getTypeArguments(type as ts.TypeReference)[0]!;
      const readonly = symbol?.name === "ReadonlyArray";
      const elementNode = arrayElementNode(typeNode);
      const child = this.mapType(element, elementNode, elementNode ?? at, "...", ctx, isReturn);
      return node({ kind: "LIST", children: [child.port] }, { form: "array", readonly }, [child]);
    }
    if (this.checker.isTupleType(type)) {
      this.report(at, "ARK_TUPLE", `${site} has the tuple type "${written}"`, isReturn ? "tuples are only allowed as a function's whole return type (return0, return1, ...)" : "take separate parameters, or an array T[]");
    }
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      this.report(at, "ARK_FUNCTION_TYPE", `${site} has the function type "${written}": functions cannot travel`, "pass data instead; to call another action, use the generated stubs inside the function");
    }
    if (symbol && symbol.flags & ts.SymbolFlags.Class) return this.mapClass(type, symbol, at, key, site, written);
    const stringIndex = type.getStringIndexType();
    if (stringIndex && type.getProperties().length === 0) {
      const valueNode = recordValueNode(typeNode);
      const child = this.mapType(stringIndex, valueNode, valueNode ?? at, "...", ctx, isReturn);
      return node({ kind: "DICT", children: [child.port] }, { form: "record" }, [child]);
    }
    if (type.getNumberIndexType()) {
      this.report(at, "ARK_UNSUPPORTED_TYPE", `${site} has type "${written}" with a number index`, "use an array T[] or Record<string, T>");
    }
    return this.mapModel(type, typeNode, at, key, ctx, isReturn, site, written);
  }

  private mapClass(type: ts.Type, symbol: ts.Symbol, at: ts.Node, key: string, site: string, written: string): PortNode {
    const decl = symbol.declarations?.find(ts.isClassDeclaration);
    const missing: string[] = [];
    let identifier: string | undefined;
    if (decl) {
      this.dep(decl);
      for (const member of decl.members) {
        if (
          ts.isPropertyDeclaration(member) &&
          member.name.getText() === "identifier" &&
          member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)
        ) {
          let init = member.initializer;
          while (init && (ts.isAsExpression(init) || ts.isParenthesizedExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
          if (init && (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init))) identifier = init.text;
        }
      }
    }
    const staticType = this.checker.getTypeOfSymbol(symbol);
    if (identifier === undefined) {
      const prop = staticType.getProperty("identifier");
      const propType = prop ? this.checker.getTypeOfSymbol(prop) : undefined;
      if (propType?.isStringLiteral()) identifier = propType.value;
    }
    if (identifier === undefined) missing.push('`static identifier = "..."` (a string literal)');
    if (!type.getProperty("shrink")) missing.push("a `shrink()` method returning the reference");
    if (!staticType.getProperty("expand")) missing.push("a `static expand(ref)` method");
    if (missing.length > 0) {
      this.report(at, "ARK_CLASS_NOT_STRUCTURE", `${site} has the class type "${written}", which is not a structure`, `a class travels as a structure only; add ${missing.join(", ")} (see Structure in arkitekt-next), or use an interface for plain data`);
    }
    if (identifier!.includes("@") && !identifier!.includes("/")) {
      this.report(at, "ARK_STRUCTURE_IDENTIFIER", `structure identifier "${identifier}" of ${symbol.name} contains "@" but no "/"`, 'write it as "@package/name", e.g. "@mikro/image"');
    }
    const ref = this.refOf(symbol, decl!, at, "class");
    return {
      port: { key, kind: "STRUCTURE", nullable: false, identifier: identifier! },
      children: [],
      ts: { form: "ref", ref },
      hasNull: false,
      hasUndefined: false,
      structureRef: ref,
    };
  }

  private mapModel(type: ts.Type, typeNode: ts.TypeNode | undefined, at: ts.Node, key: string, ctx: MapContext, isReturn: boolean, site: string, written: string): PortNode {
    if (ctx.stack.includes(type)) {
      this.report(at, "ARK_RECURSIVE_TYPE", `${site} has the recursive type "${written}"`, "ports cannot nest themselves: break the cycle (e.g. keep ids instead of nested objects)");
    }
    const symbol = type.getSymbol();
    const alias = type.aliasSymbol;
    const named = symbol && symbol.flags & ts.SymbolFlags.Interface ? symbol : alias && !type.aliasTypeArguments ? alias : undefined;
    if (type.aliasTypeArguments?.length || (type as ts.TypeReference).typeArguments?.length) {
      this.report(at, "ARK_GENERIC", `${site} has the generic type "${written}"`, "declare a non-generic interface for this port");
    }
    const properties = this.checker.getPropertiesOfType(type);
    const pathKey = ctx.path.length > 0 ? ctx.path.join(".") : key;
    const identifier = named ? snakeCase(named.name) : `${ctx.iface}.${pathKey}`;
    const children: PortNode[] = [];
    const optional: boolean[] = [];
    ctx.stack.push(type);
    const savedPath = ctx.path;
    try {
      for (const prop of properties) {
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        if (decl) this.dep(decl);
        const propTypeNode = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
        const isOptional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
        if (decl && (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl))) {
          this.report(decl, "ARK_FUNCTION_TYPE", `field "${prop.name}" of "${written}" is a method: functions cannot travel`, "a MODEL port carries data only: remove the method or use a structure class");
        }
        let propType = propTypeNode ? this.checker.getTypeFromTypeNode(propTypeNode) : this.checker.getTypeOfSymbol(prop);
        if (!propTypeNode && isOptional) propType = this.checker.getNonNullableType(propType);
        ctx.path = [...savedPath, prop.name];
        const child = this.mapType(propType, propTypeNode, propTypeNode ?? decl ?? at, prop.name, ctx, isReturn);
        if (isOptional) {
          child.port.nullable = true;
          child.hasUndefined = true;
        }
        const description = docOfDeclaration(decl);
        child.port = orderPort({ ...child.port, label: prop.name, description: description ?? child.port.description ?? null });
        children.push(child);
        optional.push(isOptional);
      }
    } finally {
      ctx.stack.pop();
      ctx.path = savedPath;
    }
    let form: TsForm = { form: "object", optional };
    if (named) {
      const decl = named.declarations?.[0];
      if (decl) form = { form: "ref", ref: this.refOf(named, decl, at, named.flags & ts.SymbolFlags.Interface ? "interface" : "type") };
    }
    void typeNode;
    return {
      port: { key, kind: "MODEL", nullable: false, identifier, children: children.map((c) => c.port) },
      children,
      ts: form,
      hasNull: false,
      hasUndefined: false,
    };
  }
}

interface MapContext {
  iface: string;
  fn: string;
  stack: ts.Type[];
  path: string[];
}

interface UnionGroup {
  kind: "boolean" | "literals" | "enum" | "single";
  types: ts.Type[];
  enumSymbol?: ts.Symbol;
}

/** The options of a `register()` call, read statically: the public `RegisterOptions`. */
type ParsedOptions = RegisterOptions;

const NOT_LITERAL = Symbol("not a literal");
interface EnumMemberValue {
  enumMember: ts.Symbol;
}
function isEnumMember(value: unknown): value is EnumMemberValue {
  return typeof value === "object" && value !== null && "enumMember" in value;
}

function describeSite(key: string, ctx: MapContext, isReturn: boolean): string {
  const path = ctx.path.length > 0 ? ctx.path.join(".") : key;
  if (isReturn) return `the return value${path.startsWith("return") ? "" : ` (${path})`} of "${ctx.fn}"`;
  return `parameter "${path}" of "${ctx.fn}"`;
}

function unwrapTypeNode(node: ts.TypeNode | undefined): ts.TypeNode | undefined {
  while (node && ts.isParenthesizedTypeNode(node)) node = node.type;
  return node;
}

function isNullishNode(node: ts.TypeNode): boolean {
  return (
    node.kind === ts.SyntaxKind.UndefinedKeyword ||
    node.kind === ts.SyntaxKind.VoidKeyword ||
    (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword)
  );
}

function arrayElementNode(node: ts.TypeNode | undefined): ts.TypeNode | undefined {
  node = unwrapTypeNode(node);
  if (!node) return undefined;
  if (ts.isTypeOperatorNode(node)) return arrayElementNode(node.type);
  if (ts.isArrayTypeNode(node)) return node.elementType;
  if (ts.isTypeReferenceNode(node) && node.typeArguments?.length === 1) return node.typeArguments[0];
  return undefined;
}

function recordValueNode(node: ts.TypeNode | undefined): ts.TypeNode | undefined {
  node = unwrapTypeNode(node);
  if (!node) return undefined;
  if (ts.isTypeReferenceNode(node) && node.typeArguments?.length === 2) return node.typeArguments[1];
  if (ts.isTypeLiteralNode(node)) {
    const index = node.members.find(ts.isIndexSignatureDeclaration);
    return index?.type;
  }
  return undefined;
}

/** Where a registered function's JSDoc may sit: on the function, or on the statement holding register(). */
function docHosts(fn: FunctionNode, call: ts.CallExpression): ts.Node[] {
  const hosts: ts.Node[] = [fn];
  if (ts.isVariableDeclaration(fn.parent) && fn.parent.parent?.parent) hosts.push(fn.parent.parent.parent);
  let node: ts.Node = call;
  while (node.parent && !ts.isSourceFile(node.parent) && !ts.isBlock(node.parent)) {
    node = node.parent;
  }
  hosts.push(node);
  return hosts;
}

/** Port fields in the platform's order, unset optional fields dropped. */
export function orderPort(port: Port): Port {
  const out: Port = { key: port.key, kind: port.kind as PortKind, nullable: port.nullable };
  const ordered: Port = { key: port.key } as Port;
  if (port.label !== undefined && port.label !== null) ordered.label = port.label;
  ordered.kind = out.kind;
  if (port.description !== undefined && port.description !== null) ordered.description = port.description;
  if (port.identifier !== undefined && port.identifier !== null) ordered.identifier = port.identifier;
  ordered.nullable = port.nullable;
  if (port.default !== undefined) ordered.default = port.default;
  if (port.choices) ordered.choices = port.choices;
  if (port.children) ordered.children = port.children;
  return ordered;
}
