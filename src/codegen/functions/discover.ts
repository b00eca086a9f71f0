/**
 * Finding `register()` calls: a call whose callee resolves (through any import alias, namespace
 * import or re-export) to the `register` function declared by the `arkitekt-next` package; then
 * the function each call registers, its name, and the export generated code imports it by.
 */
import { resolve } from "node:path";
import { ts } from "./typescript.js";
import type { TypeRef } from "./model.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS } from "./diagnostics.js";

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

/**
 * The calls of the scanned file to functions of the `arkitekt-next` package, each with the
 * package function's name (through any import alias, namespace import or re-export), in source
 * order, for the names in `names` (files without imports have none). The file is walked once for
 * every name (register, defineState and the hooks each ask).
 */
export function findPackageCalls(ctx: ScanContext, names: ReadonlySet<string>): Array<{ call: ts.CallExpression; name: string }> {
  let calls = packageCalls.get(ctx);
  if (!calls) {
    calls = allPackageCalls(ctx);
    packageCalls.set(ctx, calls);
  }
  return calls.filter((c) => names.has(c.name));
}

const packageCalls = new WeakMap<ScanContext, Array<{ call: ts.CallExpression; name: string }>>();

function allPackageCalls(ctx: ScanContext): Array<{ call: ts.CallExpression; name: string }> {
  const calls: Array<{ call: ts.CallExpression; name: string }> = [];
  if (!ctx.sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s))) return calls;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const name = packageFunctionOf(ctx, node);
      if (name) calls.push({ call: node, name });
    }
    ts.forEachChild(node, visit);
  };
  visit(ctx.sf);
  return calls;
}

/** Every `register()` call of the scanned file, in source order. */
export function findRegisterCalls(ctx: ScanContext): ts.CallExpression[] {
  return findPackageCalls(ctx, REGISTER).map((c) => c.call);
}

const REGISTER: ReadonlySet<string> = new Set(["register"]);

/** The name of the package function `call` calls, when it calls one. */
function packageFunctionOf(ctx: ScanContext, call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  const id = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : undefined;
  if (!id) return undefined;
  let symbol = ctx.checker.getSymbolAtLocation(id);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) {
    ctx.noteAliasChain(symbol);
    symbol = ctx.checker.getAliasedSymbol(symbol);
  }
  const decl = symbol.declarations?.[0];
  return decl !== undefined && ts.isFunctionDeclaration(decl) && ctx.project.isPackageDeclaration(decl) ? symbol.name : undefined;
}

/** The function node registered: inline, or by reference (possibly imported). */
export function resolveRegisteredFunction(ctx: ScanContext, expr: ts.Expression): FunctionNode {
  let node: ts.Node = expr;
  while (ts.isParenthesizedExpression(node as ts.Expression) || ts.isAsExpression(node as ts.Expression) || ts.isSatisfiesExpression(node as ts.Expression)) {
    node = (node as ts.ParenthesizedExpression).expression;
  }
  if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) return node;
  if (ts.isIdentifier(node)) {
    let symbol = ctx.checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
      ctx.noteAliasChain(symbol);
      symbol = ctx.checker.getAliasedSymbol(symbol);
    }
    const decl = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (decl) {
      ctx.dependOn(decl);
      if (ts.isFunctionDeclaration(decl) && decl.body) return decl;
      if (ts.isVariableDeclaration(decl) && decl.initializer) {
        const init = decl.initializer;
        if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) return init;
      }
    }
  }
  const type = ctx.checker.getTypeAtLocation(expr);
  return ctx.report(expr, DIAGNOSTICS.notAFunction, { text: expr.getText(), type: ctx.checker.typeToString(type) });
}

/** The function's name, else the const it is assigned to, else (anonymous default export) the file name in camelCase. */
export function functionNameOf(ctx: ScanContext, fn: FunctionNode, call: ts.CallExpression): string {
  if (!ts.isArrowFunction(fn) && fn.name) return fn.name.text;
  if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
  let parent: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent)) parent = parent.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isExportAssignment(parent)) {
    const base = ctx.sf.fileName.replace(/^.*[\\/]/, "").replace(/\.[cm]?tsx?$/, "");
    return base.replace(/[-_.]+(\w)/g, (_, c: string) => c.toUpperCase());
  }
  return ctx.report(fn, DIAGNOSTICS.anonymousFunction);
}

/** How generated code imports the registered function: an export of the call's file or of the function's file. */
export function findFunctionExport(ctx: ScanContext, call: ts.CallExpression, fn: FunctionNode, target: ts.Expression): TypeRef {
  let parent: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent)) parent = parent.parent;
  if (ts.isExportAssignment(parent) && !parent.isExportEquals) {
    return { file: resolve(ctx.sf.fileName), name: "default" };
  }
  const candidates: Array<{ symbol: ts.Symbol; file: ts.SourceFile }> = [];
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
    const symbol = ctx.checker.getSymbolAtLocation(parent.name);
    if (symbol) candidates.push({ symbol, file: ctx.sf });
  }
  if (ts.isFunctionDeclaration(fn) && fn.name) {
    const symbol = ctx.checker.getSymbolAtLocation(fn.name);
    if (symbol) candidates.push({ symbol, file: fn.getSourceFile() });
  } else if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) {
    const symbol = ctx.checker.getSymbolAtLocation(fn.parent.name);
    if (symbol) candidates.push({ symbol, file: fn.getSourceFile() });
  }
  for (const { symbol, file } of candidates) {
    const name = ctx.exportNameOf(symbol, file);
    if (name) return { file: resolve(file.fileName), name };
  }
  return ctx.report(ts.isIdentifier(target) ? target : call, DIAGNOSTICS.functionNotExported);
}
