/**
 * A registered function's signature to ports: each parameter one arg port (label, description,
 * optional, default), the return type `return0` (a tuple `return0..n`, `void` none, `Promise<T>`
 * unwrapped, a generator's yield type).
 */
import { ts } from "./typescript.js";
import type { PortOptions } from "../../definition/register-options.js";
import { readDefault } from "./defaults.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import type { FunctionNode } from "./discover.js";
import type { JsDocInfo } from "./jsdoc.js";
import type { ExtractedArg, PortNode } from "./model.js";
import { mapType, orderPort, type PortScope } from "./ports.js";

/** What labels and descriptions come from: the function's JSDoc and the `ports` option. */
export interface PortTexts {
  doc: JsDocInfo;
  overrides: Record<string, PortOptions>;
}

export function mapParameter(scope: PortScope, param: ts.ParameterDeclaration, texts: PortTexts): ExtractedArg {
  const { ctx } = scope;
  if (!ts.isIdentifier(param.name)) ctx.report(param.name, DIAGNOSTICS.destructuredParameter);
  if (param.dotDotDotToken) ctx.report(param, DIAGNOSTICS.restParameter);
  const key = (param.name as ts.Identifier).text;
  scope.path = [key];
  const typeNode = param.type;
  const type = typeNode ? ctx.checker.getTypeFromTypeNode(typeNode) : ctx.checker.getTypeAtLocation(param);
  const node = mapType(scope, type, { node: typeNode, at: typeNode ?? param, key });
  const optional = param.questionToken !== undefined || param.initializer !== undefined;
  if (optional) node.port.nullable = true;
  if (param.questionToken && !node.hasUndefined) node.hasUndefined = true;
  const init = param.initializer;
  if (init && !(ts.isIdentifier(init) && init.text === "undefined")) node.port.default = readDefault(ctx, init, node);
  const override = texts.overrides[key];
  node.port = orderPort({
    ...node.port,
    label: override?.label ?? key,
    description: override?.description ?? texts.doc.params.get(key) ?? node.port.description ?? null,
  });
  return { node, optional };
}

export function mapReturns(scope: PortScope, fn: FunctionNode, generator: boolean, texts: PortTexts): { returns: PortNode[]; tupleReturn: boolean } {
  const { ctx } = scope;
  const { doc, overrides } = texts;
  const signature = ctx.checker.getSignatureFromDeclaration(fn);
  let type = fn.type ? ctx.checker.getTypeFromTypeNode(fn.type) : signature ? ctx.checker.getReturnTypeOfSignature(signature) : undefined;
  let typeNode: ts.TypeNode | undefined = fn.type;
  const at: ts.Node = fn.type ?? (ts.isArrowFunction(fn) ? fn : (fn.name ?? fn));
  if (!type) return ctx.report(at, DIAGNOSTICS.noReturnType);
  if (generator) {
    const name = type.getSymbol()?.name ?? "";
    if (!/^(Async)?(Generator|IterableIterator|Iterable|Iterator)$/.test(name)) {
      ctx.report(at, DIAGNOSTICS.generatorReturn, { written: ctx.written(type, typeNode) });
    }
    const args = ctx.checker.getTypeArguments(type as ts.TypeReference);
    type = args[0]!;
    typeNode = typeNode && ts.isTypeReferenceNode(typeNode) ? typeNode.typeArguments?.[0] : undefined;
  } else if (ctx.isGlobal(type, "Promise")) {
    const whole = ctx.written(type, typeNode);
    type = ctx.checker.getTypeArguments(type as ts.TypeReference)[0]!;
    typeNode = typeNode && ts.isTypeReferenceNode(typeNode) ? typeNode.typeArguments?.[0] : undefined;
    if (ctx.isGlobal(type, "Promise")) ctx.report(typeNode ?? at, DIAGNOSTICS.promiseOfPromise, { written: whole, fn: scope.fn });
  }
  if (type.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return { returns: [], tupleReturn: false };
  scope.path = [];
  const describe = (key: string, index: number, count: number): string | null =>
    overrides[key]?.description ?? (index === 0 && count >= 1 ? doc.returns : null);
  if (ctx.checker.isTupleType(type)) {
    const elements = ctx.checker.getTypeArguments(type as ts.TypeReference);
    const nodes = typeNode && ts.isTupleTypeNode(typeNode) ? typeNode.elements : undefined;
    const returns = elements.map((element, i) => {
      const key = `return${i}`;
      scope.path = [key];
      let elementNode = nodes?.[i];
      if (elementNode && ts.isNamedTupleMember(elementNode)) elementNode = elementNode.type;
      const node = mapType(scope, element, { node: elementNode, at: elementNode ?? at, key });
      node.port = orderPort({ ...node.port, label: overrides[key]?.label ?? node.port.label, description: describe(key, i, elements.length) ?? null });
      return node;
    });
    return { returns, tupleReturn: true };
  }
  scope.path = ["return0"];
  const node = mapType(scope, type, { node: typeNode, at: typeNode ?? at, key: "return0" });
  node.port = orderPort({ ...node.port, label: overrides.return0?.label ?? node.port.label, description: describe("return0", 0, 1) ?? null });
  return { returns: [node], tupleReturn: false };
}
