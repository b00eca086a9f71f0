/**
 * Agent states: every `defineState(name, initial)` call whose callee resolves (through any import
 * alias, namespace import or re-export) to the `defineState` of the `arkitekt-next` package. The
 * name must be a string literal; the state's ports are the fields of the value's type (the type
 * argument when written, else the initial value's type), mapped like ports (ports.ts), limited to
 * kinds whose wire form is the value's JSON (no structure, date or TS enum: the runtime publishes
 * the value as it is). The call must be the initializer of an exported const, which generated
 * `registry.ts` imports.
 */
import { resolve } from "node:path";
import { ts } from "./typescript.js";
import type { Port } from "../../definition/model.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS, ExtractionFailed } from "./diagnostics.js";
import { findPackageCalls } from "./discover.js";
import { docOfDeclaration } from "./jsdoc.js";
import type { TypeRef } from "./model.js";
import { mapType, newPortScope, orderPort } from "./ports.js";

/** One `defineState` call, as generated `registry.ts` binds it. */
export interface ExtractedState {
  /** The state's name: its interface on the platform. */
  name: string;
  /** implementAgent's StateImplementationInput. */
  implementation: { interface: string; definition: { name: string; ports: Port[] } };
  /** The exported const holding the state. */
  ref: TypeRef;
}

/** Every `defineState()` call of the scanned file, in source order. */
export function findStateCalls(ctx: ScanContext): ts.CallExpression[] {
  return findPackageCalls(ctx, DEFINE_STATE).map((c) => c.call);
}

const DEFINE_STATE: ReadonlySet<string> = new Set(["defineState"]);

/** Kinds a state's field cannot be: their wire form is not the value itself. */
function unpublishable(port: Port): string | undefined {
  if (port.kind === "STRUCTURE" || port.kind === "DATE" || port.kind === "MEMORY_STRUCTURE") return port.kind;
  if (port.kind === "ENUM" && !port.identifier?.startsWith("literal.")) return "TS enum (ENUM)";
  for (const child of port.children ?? []) {
    const inner = unpublishable(child);
    if (inner) return inner;
  }
  return undefined;
}

/** Reads one `defineState` call; a problem is recorded in `ctx` and ends the read. */
export function extractState(ctx: ScanContext, call: ts.CallExpression): ExtractedState {
  const [nameArg, valueArg] = call.arguments;
  if (!nameArg || !(ts.isStringLiteral(nameArg) || ts.isNoSubstitutionTemplateLiteral(nameArg)) || nameArg.text === "") {
    return ctx.report(nameArg ?? call, DIAGNOSTICS.stateName, { text: nameArg ? nameArg.getText() : "nothing" });
  }
  const name = nameArg.text;
  if (!valueArg) return ctx.report(call, DIAGNOSTICS.stateNoValue);
  const ref = stateExport(ctx, call, name);
  const typeNode = call.typeArguments?.[0];
  // the type argument as written, else as inferred (widened: `{ n: 1 }` is `{ n: number }`)
  const inferred = ctx.checker.getTypeArguments(ctx.checker.getTypeAtLocation(call) as ts.TypeReference)[0];
  const type = typeNode ? ctx.checker.getTypeFromTypeNode(typeNode) : (inferred ?? ctx.checker.getTypeAtLocation(valueArg));
  const at: ts.Node = typeNode ?? valueArg;
  const written = ctx.written(type, typeNode);
  const isObject =
    (type.flags & ts.TypeFlags.Object) !== 0 &&
    !ctx.checker.isArrayType(type) &&
    !ctx.checker.isTupleType(type) &&
    type.getCallSignatures().length === 0 &&
    !(type.getSymbol() && type.getSymbol()!.flags & ts.SymbolFlags.Class) &&
    !ctx.isGlobal(type, "Date");
  if (!isObject) return ctx.report(at, DIAGNOSTICS.stateNotObject, { name, written });
  const scope = { ...newPortScope(ctx, name, `state "${name}"`, false), describe: (path: string) => `field "${path}" of state "${name}"` };
  const ports: Port[] = [];
  let failed = false;
  for (const prop of ctx.checker.getPropertiesOfType(type)) {
    const decl = prop.valueDeclaration ?? prop.declarations?.[0];
    if (decl) ctx.dependOn(decl);
    const propTypeNode = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
    const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
    let propType = propTypeNode ? ctx.checker.getTypeFromTypeNode(propTypeNode) : ctx.checker.getTypeOfSymbol(prop);
    if (!propTypeNode && optional) propType = ctx.checker.getNonNullableType(propType);
    const where = propTypeNode ?? decl ?? at;
    scope.path = [prop.name];
    const node = ctx.attempt(() => mapType(scope, propType, { node: propTypeNode, at: where, key: prop.name }));
    if (!node) {
      failed = true;
      continue;
    }
    const kind = unpublishable(node.port);
    if (kind && !ctx.attempt(() => ctx.report(where, DIAGNOSTICS.statePortKind, { name, field: prop.name, kind }))) {
      failed = true;
      continue;
    }
    if (optional) node.port.nullable = true;
    ports.push(orderPort({ ...node.port, label: prop.name, description: docOfDeclaration(decl) ?? node.port.description ?? null }));
  }
  // each field's problem is reported already
  if (failed) throw new ExtractionFailed(`state "${name}" has fields no port can carry`);
  return { name, implementation: { interface: name, definition: { name, ports } }, ref };
}

/** The exported const the call initialises (`export const counter = defineState(...)`). */
function stateExport(ctx: ScanContext, call: ts.CallExpression, name: string): TypeRef {
  let parent: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent)) parent = parent.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
    const symbol = ctx.checker.getSymbolAtLocation(parent.name);
    const exported = symbol ? ctx.exportNameOf(symbol, ctx.sf) : undefined;
    if (exported) return { file: resolve(ctx.sf.fileName), name: exported };
  }
  return ctx.report(call, DIAGNOSTICS.stateNotExported, { name });
}
