/**
 * Type to port: the table of DESIGN.md ("Type to port mapping") applied to one type as written.
 * Nullable members, unions (boolean, string-literal and enum members grouped), keywords, lists,
 * dicts and models are here; structures, enums and the imports of named types in named-types.ts.
 */
import { ts } from "./typescript.js";
import type { Port, PortKind } from "../../definition/model.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import { docOfDeclaration } from "./jsdoc.js";
import type { PortNode, TsForm } from "./model.js";
import { mapEnum, mapStructure, refOf } from "./named-types.js";
import { snakeCase } from "./naming.js";

/** What mapping the ports of one function's parameters, or of its returns, shares. */
export interface PortScope {
  readonly ctx: ScanContext;
  /** The function's interface: anonymous type literals are named `<interface>.<port path>`. */
  readonly iface: string;
  /** The function's name, for messages. */
  readonly fn: string;
  /** Mapping the returns (messages say "the return value"; tuples hint differently). */
  readonly isReturn: boolean;
  /** The models being mapped, outermost first (a type met again is recursive). */
  readonly stack: ts.Type[];
  /** Field names from the parameter or return key down to the port being mapped. */
  path: string[];
  /** How messages name the site, when it is no function's (a state's field: state.ts). */
  readonly describe?: (path: string) => string;
}

/** Where a type was written and the key of the port it becomes. */
export interface PortSite {
  /** The type as written, when there is a node for it (messages quote it, nested types point at it). */
  node: ts.TypeNode | undefined;
  /** Where diagnostics point. */
  at: ts.Node;
  key: string;
}

interface UnionGroup {
  kind: "boolean" | "literals" | "enum" | "single";
  types: ts.Type[];
  enumSymbol?: ts.Symbol;
}

export function newPortScope(ctx: ScanContext, iface: string, fn: string, isReturn: boolean): PortScope {
  return { ctx, iface, fn, isReturn, stack: [], path: [] };
}

/** `parameter "x.field" of "fn"` or `the return value (return1) of "fn"`. */
export function describeSite(scope: PortScope, key: string): string {
  const path = scope.path.length > 0 ? scope.path.join(".") : key;
  if (scope.describe) return scope.describe(path);
  if (scope.isReturn) return `the return value${path.startsWith("return") ? "" : ` (${path})`} of "${scope.fn}"`;
  return `parameter "${path}" of "${scope.fn}"`;
}

function leafNode(key: string, port: Omit<Port, "key" | "nullable">, form: TsForm, children: PortNode[] = []): PortNode {
  return { port: { key, nullable: false, ...port }, children, ts: form, hasNull: false, hasUndefined: false };
}

/** Maps a type (with null/undefined members) to a port. */
export function mapType(scope: PortScope, type: ts.Type, site: PortSite): PortNode {
  const { ctx } = scope;
  const { at, key } = site;
  const typeNode = unwrapTypeNode(site.node);
  const all = type.isUnion() && !ctx.isIntType(type) ? type.types : [type];
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
    ctx.report(at, DIAGNOSTICS.noValue, { site: describeSite(scope, key), written: ctx.written(type, typeNode) });
  }
  const groups = groupUnionMembers(ctx, rest);
  let node: PortNode;
  if (groups.length === 1) {
    const only = groups[0]!;
    const single = memberNodes.length === 1 ? memberNodes[0] : undefined;
    node = mapGroup(scope, only, { node: single ?? (rest.length === all.length ? typeNode : undefined), at: single ?? at, key });
  } else {
    const children = groups.map((group, i) => {
      const groupNode = memberNodes.find((n) => group.types.includes(ctx.checker.getTypeFromTypeNode(n)));
      const child = mapGroup(scope, group, { node: groupNode, at: groupNode ?? at, key: String(i) });
      child.port = orderPort(child.port);
      return child;
    });
    node = leafNode(key, { kind: "UNION", children: children.map((c) => c.port) }, { form: "union" }, children);
  }
  node.port.key = key;
  if (hasNull || hasUndefined) node.port.nullable = true;
  node.hasNull = hasNull;
  node.hasUndefined = hasUndefined;
  node.port = orderPort(node.port);
  return node;
}

/** Groups union members: true|false -> boolean, string literals -> one ENUM, enum members per enum. */
function groupUnionMembers(ctx: ScanContext, types: readonly ts.Type[]): UnionGroup[] {
  const groups: UnionGroup[] = [];
  const trueType = types.find((t) => t.flags & ts.TypeFlags.BooleanLiteral && ctx.checker.typeToString(t) === "true");
  const falseType = types.find((t) => t.flags & ts.TypeFlags.BooleanLiteral && ctx.checker.typeToString(t) === "false");
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
  return groups;
}

function mapGroup(scope: PortScope, group: UnionGroup, site: PortSite): PortNode {
  switch (group.kind) {
    case "boolean":
      return leafNode(site.key, { kind: "BOOL" }, { form: "keyword", text: "boolean" });
    case "literals": {
      const values = group.types.map((t) => (t as ts.StringLiteralType).value);
      return leafNode(
        site.key,
        { kind: "ENUM", identifier: `literal.${values.join("_")}`, choices: values.map((v) => ({ label: v, value: v })) },
        { form: "literals", values },
      );
    }
    case "enum":
      return mapEnum(scope.ctx, group.enumSymbol!, group.types, { node: undefined, at: site.node ?? site.at, key: site.key });
    case "single":
      return mapSingle(scope, group.types[0]!, site);
  }
}

/** Maps one non-nullable, non-union type. */
function mapSingle(scope: PortScope, type: ts.Type, site: PortSite): PortNode {
  const { ctx } = scope;
  const { node: typeNode, at, key } = site;
  // Worded only when a problem is reported (most types have none; printing a type is not free).
  const problem = {
    get site(): string {
      return describeSite(scope, key);
    },
    get written(): string {
      return ctx.written(type, typeNode);
    },
  };
  const leaf = (port: Omit<Port, "key" | "nullable">, form: TsForm, children: PortNode[] = []): PortNode => leafNode(key, port, form, children);
  const f = type.flags;
  if (f & ts.TypeFlags.Any) ctx.report(at, DIAGNOSTICS.anyType, problem);
  if (f & ts.TypeFlags.Unknown) ctx.report(at, DIAGNOSTICS.unknownType, problem);
  if (f & ts.TypeFlags.Never) ctx.report(at, DIAGNOSTICS.neverType, problem);
  if (f & ts.TypeFlags.BigIntLike) ctx.report(at, DIAGNOSTICS.bigintType, problem);
  if (f & ts.TypeFlags.ESSymbolLike) ctx.report(at, DIAGNOSTICS.symbolType, problem);
  if (f & ts.TypeFlags.TypeParameter) ctx.report(at, DIAGNOSTICS.typeParameter, problem);
  if (ctx.isIntType(type)) return leaf({ kind: "INT" }, { form: "keyword", text: "Int" });
  if (f & ts.TypeFlags.Number) return leaf({ kind: "FLOAT" }, { form: "keyword", text: "number" });
  if (f & ts.TypeFlags.String) return leaf({ kind: "STRING" }, { form: "keyword", text: "string" });
  if (f & ts.TypeFlags.Boolean) return leaf({ kind: "BOOL" }, { form: "keyword", text: "boolean" });
  if (f & ts.TypeFlags.StringLiteral) {
    const value = (type as ts.StringLiteralType).value;
    return leaf({ kind: "ENUM", identifier: `literal.${value}`, choices: [{ label: value, value }] }, { form: "literals", values: [value] });
  }
  if (f & (ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral)) ctx.report(at, DIAGNOSTICS.literalType, problem);
  if (!(f & ts.TypeFlags.Object) && !(f & ts.TypeFlags.Intersection)) ctx.report(at, DIAGNOSTICS.noPortKind, problem);
  const symbol = type.getSymbol();
  if (ctx.isGlobal(type, "Date")) return leaf({ kind: "DATE" }, { form: "keyword", text: "Date" });
  if (ctx.isGlobal(type, "Promise")) ctx.report(at, DIAGNOSTICS.promisePort, problem);
  for (const name of ["Map", "ReadonlyMap", "WeakMap"]) {
    if (ctx.isGlobal(type, name)) ctx.report(at, DIAGNOSTICS.mapType, problem);
  }
  for (const name of ["Set", "ReadonlySet", "WeakSet"]) {
    if (ctx.isGlobal(type, name)) ctx.report(at, DIAGNOSTICS.setType, problem);
  }
  if (ctx.checker.isArrayType(type)) {
    const element = ctx.checker.getTypeArguments(type as ts.TypeReference)[0]!;
    const readonly = symbol?.name === "ReadonlyArray";
    const elementNode = arrayElementNode(typeNode);
    const child = mapType(scope, element, { node: elementNode, at: elementNode ?? at, key: "..." });
    return leaf({ kind: "LIST", children: [child.port] }, { form: "array", readonly }, [child]);
  }
  if (ctx.checker.isTupleType(type)) ctx.report(at, DIAGNOSTICS.tupleType, { ...problem, isReturn: scope.isReturn });
  if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
    ctx.report(at, DIAGNOSTICS.functionType, problem);
  }
  if (symbol && symbol.flags & ts.SymbolFlags.Class) return mapStructure(ctx, type, symbol, site, problem);
  const stringIndex = type.getStringIndexType();
  if (stringIndex && type.getProperties().length === 0) {
    const valueNode = recordValueNode(typeNode);
    const child = mapType(scope, stringIndex, { node: valueNode, at: valueNode ?? at, key: "..." });
    return leaf({ kind: "DICT", children: [child.port] }, { form: "record" }, [child]);
  }
  if (type.getNumberIndexType()) ctx.report(at, DIAGNOSTICS.numberIndex, problem);
  return mapModel(scope, type, site, problem);
}

/** An interface, type alias or type literal of ports: a MODEL with a child per field. */
function mapModel(scope: PortScope, type: ts.Type, site: PortSite, problem: { site: string; written: string }): PortNode {
  const { ctx } = scope;
  const { at, key } = site;
  if (scope.stack.includes(type)) ctx.report(at, DIAGNOSTICS.recursiveType, problem);
  const symbol = type.getSymbol();
  const alias = type.aliasSymbol;
  const named = symbol && symbol.flags & ts.SymbolFlags.Interface ? symbol : alias && !type.aliasTypeArguments ? alias : undefined;
  if (type.aliasTypeArguments?.length || (type as ts.TypeReference).typeArguments?.length) {
    ctx.report(at, DIAGNOSTICS.genericModel, problem);
  }
  const properties = ctx.checker.getPropertiesOfType(type);
  const pathKey = scope.path.length > 0 ? scope.path.join(".") : key;
  const identifier = named ? snakeCase(named.name) : `${scope.iface}.${pathKey}`;
  const children: PortNode[] = [];
  const optional: boolean[] = [];
  scope.stack.push(type);
  const savedPath = scope.path;
  try {
    for (const prop of properties) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (decl) ctx.dependOn(decl);
      const propTypeNode = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
      const isOptional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      if (decl && (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl))) {
        ctx.report(decl, DIAGNOSTICS.modelMethod, { field: prop.name, written: problem.written });
      }
      let propType = propTypeNode ? ctx.checker.getTypeFromTypeNode(propTypeNode) : ctx.checker.getTypeOfSymbol(prop);
      if (!propTypeNode && isOptional) propType = ctx.checker.getNonNullableType(propType);
      scope.path = [...savedPath, prop.name];
      const child = mapType(scope, propType, { node: propTypeNode, at: propTypeNode ?? decl ?? at, key: prop.name });
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
    scope.stack.pop();
    scope.path = savedPath;
  }
  let form: TsForm = { form: "object", optional };
  if (named) {
    const decl = named.declarations?.[0];
    if (decl) form = { form: "ref", ref: refOf(ctx, named, decl, at, named.flags & ts.SymbolFlags.Interface ? "interface" : "type") };
  }
  return leafNode(key, { kind: "MODEL", identifier, children: children.map((c) => c.port) }, form, children);
}

/** Port fields in the platform's order, unset optional fields dropped. */
export function orderPort(port: Port): Port {
  const ordered: Port = { key: port.key } as Port;
  if (port.label !== undefined && port.label !== null) ordered.label = port.label;
  ordered.kind = port.kind as PortKind;
  if (port.description !== undefined && port.description !== null) ordered.description = port.description;
  if (port.identifier !== undefined && port.identifier !== null) ordered.identifier = port.identifier;
  ordered.nullable = port.nullable;
  if (port.default !== undefined) ordered.default = port.default;
  if (port.choices) ordered.choices = port.choices;
  if (port.children) ordered.children = port.children;
  if (port.widget) ordered.widget = port.widget;
  if (port.validators && port.validators.length > 0) ordered.validators = port.validators;
  if (port.effects && port.effects.length > 0) ordered.effects = port.effects;
  return ordered;
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
