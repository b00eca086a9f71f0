/**
 * One `register(fn, options?)` call to one `ExtractedFunction`: the function, its options, its
 * JSDoc and its ports, combined into the implementation (naming rules in naming.ts).
 */
import { resolve } from "node:path";
import type { ts } from "./typescript.js";
import type { Definition, EffectClass } from "../../definition/model.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import { findFunctionExport, functionNameOf, resolveRegisteredFunction } from "./discover.js";
import { docHosts, readJsDoc } from "./jsdoc.js";
import type { ExtractedArg, ExtractedFunction, PortNode } from "./model.js";
import { snakeCase, titleCase } from "./naming.js";
import { checkNestedOptions, toDependencies, toTestTargets } from "./dependencies.js";
import { checkFlags, checkPortOverrides, readOptions } from "./options.js";
import { readHints } from "./hints.js";
import { newPortScope } from "./ports.js";
import { mapParameter, mapReturns, type PortTexts } from "./signature.js";

/**
 * Reads the function registered by `call`. Every problem is recorded in `ctx` (all parameters and
 * the returns are read, so one run reports them all) and ends the read with `ExtractionFailed`.
 */
export function extractRegisteredFunction(ctx: ScanContext, call: ts.CallExpression): ExtractedFunction | undefined {
  const target = call.arguments[0];
  if (!target) return ctx.report(call, DIAGNOSTICS.noFunction);
  const fnNode = resolveRegisteredFunction(ctx, target);
  checkNestedOptions(ctx, call.arguments[1]);
  const options = readOptions(ctx, call.arguments[1]);
  const fnName = functionNameOf(ctx, fnNode, call);
  const exportRef = findFunctionExport(ctx, call, fnNode, target);
  const iface = options.interface ?? snakeCase(fnName);
  const doc = readJsDoc(docHosts(fnNode, call));
  const texts: PortTexts = { doc, overrides: options.ports ?? {} };

  const generator = fnNode.asteriskToken !== undefined;
  const argScope = newPortScope(ctx, iface, fnName, false);
  const args: ExtractedArg[] = [];
  let failed = false;
  for (const param of fnNode.parameters) {
    const arg = ctx.attempt(() => mapParameter(argScope, param, texts));
    if (arg) args.push(arg);
    else failed = true;
  }
  const mapped = ctx.attempt(() => mapReturns(newPortScope(ctx, iface, fnName, true), fnNode, generator, texts));
  if (!mapped) failed = true;
  if (failed) return undefined;
  const returns: PortNode[] = mapped!.returns;
  const optionsAt = call.arguments[1] ?? call;
  const known = new Set([...args.map((a) => a.node.port.key), ...returns.map((r) => r.port.key)]);
  checkPortOverrides(ctx, optionsAt, { overrides: texts.overrides, known, fn: fnName });
  const portGroups = readHints(ctx, options, { fn: fnName, at: optionsAt, args: args.map((a) => a.node), returns });

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
    isDev: options.isDev ?? (!hasDoc && options.description === undefined),
    portGroups,
    args: args.map((a) => a.node.port),
    returns: returns.map((r) => r.port),
    isTestFor: toTestTargets(options.isTestFor),
  };
  const effect: EffectClass = options.effect ?? "NONE";
  checkFlags(ctx, optionsAt, { pure: definition.pure, stateful: definition.stateful, effect });
  return {
    implementation: {
      interface: iface,
      definition,
      effect,
      needsToken: options.needsToken ?? true,
      dependencies: toDependencies(options.dependencies),
      // issue 16 (H2): absent when unused, so definitions.json stays byte-stable
      ...(options.locks && options.locks.length > 0 ? { locks: options.locks } : {}),
      ...(options.concurrency !== undefined ? { params: { concurrency: options.concurrency } } : {}),
    },
    fn: exportRef,
    registeredIn: resolve(ctx.sf.fileName),
    generator,
    args,
    returns,
    tupleReturn: mapped!.tupleReturn,
  };
}
