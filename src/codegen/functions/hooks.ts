/**
 * Finding lifecycle hooks (issue 16): calls of `onStartup(fn)`, `background(fn)` and
 * `onShutdown(fn, { deadlineMs })` whose callee resolves (through any import alias, namespace
 * import or re-export) to the `arkitekt-next` package's functions, as `register()` is found
 * (discover.ts). A hook must be declared at a module's top level with a function; the generated
 * `registry.ts` imports every file that declares one, so its hooks run with the agent even when
 * the file registers no function.
 */
import { ts } from "./typescript.js";
import type { ScanContext } from "./context.js";
import { findPackageCalls } from "./discover.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import { NOT_LITERAL, readLiteral } from "./literals.js";

export type HookKind = "startup" | "background" | "shutdown";

/** One hook call, read. */
export interface ExtractedHook {
  kind: HookKind;
  /** `onStartup`, `background` or `onShutdown`. */
  call: string;
  /** 1-based line of the call, for messages. */
  line: number;
}

const HOOK_FUNCTIONS: Readonly<Record<string, HookKind>> = { onStartup: "startup", background: "background", onShutdown: "shutdown" };

/** Every hook call of the scanned file, in source order; a misused one is reported (and skipped). */
export function findHookCalls(ctx: ScanContext): ExtractedHook[] {
  const hooks: ExtractedHook[] = [];
  for (const { call, name } of findPackageCalls(ctx, HOOK_NAMES)) {
    const hook = ctx.attempt(() => readHook(ctx, call, name));
    if (hook) hooks.push(hook);
  }
  return hooks;
}

const HOOK_NAMES: ReadonlySet<string> = new Set(Object.keys(HOOK_FUNCTIONS));

function readHook(ctx: ScanContext, call: ts.CallExpression, name: string): ExtractedHook {
  const kind = HOOK_FUNCTIONS[name]!;
  const statement = call.parent;
  if (!ts.isExpressionStatement(statement) || !ts.isSourceFile(statement.parent)) {
    ctx.report(call, DIAGNOSTICS.hookNotTopLevel, { call: name, where: enclosing(call) });
  }
  const fn = call.arguments[0];
  if (!fn) return ctx.report(call, DIAGNOSTICS.hookNotAFunction, { call: name, text: "nothing", type: "no argument" });
  const type = ctx.checker.getTypeAtLocation(fn);
  if (type.getCallSignatures().length === 0) {
    ctx.report(fn, DIAGNOSTICS.hookNotAFunction, { call: name, text: fn.getText(), type: ctx.checker.typeToString(type) });
  }
  const options = call.arguments[1];
  if (options) {
    if (kind !== "shutdown") ctx.report(options, DIAGNOSTICS.hookOptions, { call: name, expected: "no options" });
    readShutdownOptions(ctx, options);
  }
  const { line } = ctx.sf.getLineAndCharacterOfPosition(call.getStart(ctx.sf));
  return { kind, call: name, line: line + 1 };
}

function readShutdownOptions(ctx: ScanContext, options: ts.Expression): void {
  const expected = "{ deadlineMs: <a whole number of milliseconds >= 1> }";
  if (!ts.isObjectLiteralExpression(options)) ctx.report(options, DIAGNOSTICS.hookOptions, { call: "onShutdown", expected });
  for (const prop of (options as ts.ObjectLiteralExpression).properties) {
    if (!ts.isPropertyAssignment(prop) || !ts.isIdentifier(prop.name) || prop.name.text !== "deadlineMs") {
      ctx.report(prop, DIAGNOSTICS.hookOptions, { call: "onShutdown", expected });
    }
    const value = readLiteral(ctx, (prop as ts.PropertyAssignment).initializer);
    if (value === NOT_LITERAL || typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      ctx.report((prop as ts.PropertyAssignment).initializer, DIAGNOSTICS.hookOptions, { call: "onShutdown", expected });
    }
  }
}

/** What a call sits inside, for the not-at-top-level message: `function "setup"`, `a block`... */
function enclosing(node: ts.Node): string {
  let inBlock = false;
  for (let parent = node.parent; parent && !ts.isSourceFile(parent); parent = parent.parent) {
    if (ts.isFunctionDeclaration(parent) || ts.isMethodDeclaration(parent)) return `function "${parent.name?.getText() ?? "(anonymous)"}"`;
    if (ts.isFunctionExpression(parent) || ts.isArrowFunction(parent)) return "a function";
    if (ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) return "a class";
    if (ts.isBlock(parent) || ts.isIfStatement(parent) || ts.isIterationStatement(parent, false)) inBlock = true;
  }
  return inBlock ? "a block" : "an expression (its value is used)";
}
