/**
 * The options of issue 16's `DefinitionInput`/`ImplementationInput` fields: `dependencies`
 * (`AgentDependencyInput`s), `isTestFor` (`TestTargetInput`s) and `isDev`. Their values are nested
 * objects, so they are checked on the syntax tree before `readOptions` reads them: an unknown key,
 * a value that is not a literal or of the wrong type is reported at its exact place
 * (file:line:col), with the option path (`dependencies.segment.actions[1].app`). `toDependencies`
 * then turns the checked options into the platform's input shape, the same bytes every time.
 */
import { ts } from "./typescript.js";
import type { ActionDemand, AgentDependency, TestTarget } from "../../definition/model.js";
import type { DependencyAction, DependencyOptions } from "../../definition/register-options.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import { NOT_LITERAL, readLiteral } from "./literals.js";

/** What a value must look like; `expected` words the diagnostic. */
type Shape =
  | { kind: "string" | "boolean" | "count" }
  | { kind: "object"; fields: Record<string, Shape>; check?: (value: Record<string, unknown>) => string | undefined; expected: string }
  | { kind: "record"; of: Shape; expected: string }
  | { kind: "array"; of: Shape; expected: string; unique?: (item: unknown) => string | undefined }
  | { kind: "stringOr"; object: Shape & { kind: "object" } };

const STRING: Shape = { kind: "string" };
const BOOLEAN: Shape = { kind: "boolean" };
const COUNT: Shape = { kind: "count" };

const DEMAND_FIELDS = {
  key: STRING,
  hash: STRING,
  app: STRING,
  version: STRING,
  name: STRING,
  pure: BOOLEAN,
  idempotent: BOOLEAN,
  stateful: BOOLEAN,
  forceArgLength: COUNT,
  forceReturnLength: COUNT,
  optional: BOOLEAN,
  description: STRING,
} satisfies Record<keyof DependencyAction, Shape>;

const ACTION: Shape & { kind: "object" } = {
  kind: "object",
  fields: DEMAND_FIELDS,
  expected: '{ key: "action_key", app?, version?, hash?, ... }',
  check: (v) => (typeof v.key === "string" ? undefined : 'an object with a "key" (the action key, which callers name as the method)'),
};

const slotKey = (item: unknown) => (typeof item === "string" ? item : typeof item === "object" && item !== null && "key" in item ? String(item.key) : undefined);

const DEPENDENCY: Shape = {
  kind: "object",
  expected: '{ app?: "...", key?: "...", actions?: [...], ... }',
  fields: {
    app: STRING,
    version: STRING,
    key: STRING,
    actions: { kind: "array", of: { kind: "stringOr", object: ACTION }, expected: 'an array of action keys or { key, ... }', unique: slotKey },
    description: STRING,
    optional: BOOLEAN,
    autoResolvable: BOOLEAN,
    minViableInstances: COUNT,
    maxViableInstances: COUNT,
    preferedInstances: COUNT,
  } satisfies Record<keyof DependencyOptions, Shape>,
  check: (v) => {
    const { minViableInstances: min, maxViableInstances: max } = v;
    if (typeof min === "number" && typeof max === "number" && min > max) return `a minViableInstances (${min}) no more than maxViableInstances (${max})`;
    const actions = Array.isArray(v.actions) ? v.actions.map(slotKey) : [];
    if (typeof v.key === "string" && actions.includes(v.key)) return `"key" or an entry of "actions" naming "${v.key}", not both`;
    return undefined;
  },
};

const TEST_TARGET: Shape = {
  kind: "object",
  expected: '{ app?: "...", key?: "...", version?: "...", hash?: "..." }',
  fields: { hash: STRING, app: STRING, key: STRING, version: STRING } satisfies Record<keyof TestTarget, Shape>,
  check: (v) => (typeof v.hash === "string" || typeof v.key === "string" ? undefined : 'a target naming the tested action by "key" (with "app") or by "hash"'),
};

/** The shapes of the options checked here, by option name. */
export const NESTED_OPTION_SHAPES: Record<"dependencies" | "isTestFor" | "isDev", Shape> = {
  dependencies: { kind: "record", of: DEPENDENCY, expected: "an object keyed by dependency key" },
  isTestFor: { kind: "array", of: TEST_TARGET, expected: "an array of { app?, key?, version?, hash? }" },
  isDev: BOOLEAN,
};

function unwrap(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) node = node.expression;
  return node;
}

const describeShape = (shape: Shape): string => {
  switch (shape.kind) {
    case "string":
      return "a non-empty string";
    case "boolean":
      return "true or false";
    case "count":
      return "a whole number >= 0";
    case "stringOr":
      return `a string or ${shape.object.expected}`;
    default:
      return shape.expected;
  }
};

/** Checks `node` against `shape`; reports (and stops the function's read) at the first problem. */
function walk(ctx: ScanContext, node: ts.Expression, shape: Shape, path: string): void {
  const expr = unwrap(node);
  const wrong = (): never => ctx.report(expr, DIAGNOSTICS.optionPartValue, { path, expected: describeShape(shape) });
  const object = shape.kind === "stringOr" ? (ts.isObjectLiteralExpression(expr) ? shape.object : undefined) : shape;
  if (shape.kind === "stringOr" && !object) {
    const value = readLiteral(ctx, expr);
    if (value === NOT_LITERAL) ctx.report(expr, DIAGNOSTICS.optionPartNotLiteral, { path });
    if (typeof value !== "string" || value === "") wrong();
    return;
  }
  const s = object ?? shape;
  if (s.kind === "object" || s.kind === "record") {
    if (!ts.isObjectLiteralExpression(expr)) return readLiteral(ctx, expr) === NOT_LITERAL ? ctx.report(expr, DIAGNOSTICS.optionPartNotLiteral, { path }) : wrong();
    for (const prop of expr.properties) {
      if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) ctx.report(prop, DIAGNOSTICS.optionPartNotLiteral, { path });
      const p = prop as ts.PropertyAssignment;
      const key = (p.name as ts.Identifier | ts.StringLiteral).text;
      const at = `${path}.${key}`;
      if (s.kind === "record") {
        if (key.trim() === "") ctx.report(p.name, DIAGNOSTICS.optionPartValue, { path, expected: "keyed by non-empty dependency keys" });
        walk(ctx, p.initializer, s.of, at);
        continue;
      }
      const field = Object.prototype.hasOwnProperty.call(s.fields, key) ? s.fields[key] : undefined;
      if (!field) ctx.report(p.name, DIAGNOSTICS.optionUnknownKey, { path, key, known: Object.keys(s.fields) });
      walk(ctx, p.initializer, field!, at);
    }
    if (s.kind === "object" && s.check) {
      const value = readLiteral(ctx, expr) as Record<string, unknown>;
      const problem = s.check(value);
      if (problem) ctx.report(expr, DIAGNOSTICS.optionPartValue, { path, expected: problem });
    }
    return;
  }
  if (s.kind === "array") {
    if (!ts.isArrayLiteralExpression(expr)) return readLiteral(ctx, expr) === NOT_LITERAL ? ctx.report(expr, DIAGNOSTICS.optionPartNotLiteral, { path }) : wrong();
    const seen = new Set<string>();
    expr.elements.forEach((element, i) => {
      walk(ctx, element, s.of, `${path}[${i}]`);
      const key = s.unique?.(readLiteral(ctx, element));
      if (key === undefined) return;
      if (seen.has(key)) ctx.report(element, DIAGNOSTICS.optionPartValue, { path: `${path}[${i}]`, expected: `a key not named before in "${path}" ("${key}" is)` });
      seen.add(key);
    });
    return;
  }
  const value = readLiteral(ctx, expr);
  if (value === NOT_LITERAL) ctx.report(expr, DIAGNOSTICS.optionPartNotLiteral, { path });
  const fits =
    (s.kind === "string" && typeof value === "string" && value !== "") ||
    (s.kind === "boolean" && typeof value === "boolean") ||
    (s.kind === "count" && typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
  if (!fits) wrong();
}

/**
 * Checks the nested options of a `register()` call (`dependencies`, `isTestFor`, `isDev`) on the
 * syntax tree, so that a problem is reported where it is. Other options are left to `readOptions`.
 */
export function checkNestedOptions(ctx: ScanContext, options: ts.Expression | undefined): void {
  if (!options || !ts.isObjectLiteralExpression(options)) return;
  for (const prop of options.properties) {
    if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) continue;
    const name = prop.name.text;
    if (name === "dependencies" || name === "isTestFor" || name === "isDev") walk(ctx, prop.initializer, NESTED_OPTION_SHAPES[name], name);
  }
}

/** The demand of one slot: the action key, then what narrows it, the app falling back to the dependency's. */
function demandOf(action: DependencyAction, app: string | undefined): ActionDemand {
  const demand: ActionDemand = { key: action.key };
  const appOf = action.app ?? app;
  if (appOf !== undefined) demand.app = appOf;
  for (const field of ["hash", "version", "name", "pure", "idempotent", "stateful", "forceArgLength", "forceReturnLength"] as const) {
    if (action[field] !== undefined) (demand as Record<string, unknown>)[field] = action[field];
  }
  return demand;
}

/**
 * `ImplementationInput.dependencies` from the `dependencies` option, in the order written. A slot's
 * key is its action key (the `method` of a call through the dependency); a dependency without `key`
 * and `actions` binds the agent itself (its implementations are called by interface).
 * `autoResolvable` defaults to true.
 */
export function toDependencies(options: Record<string, DependencyOptions> | undefined): AgentDependency[] {
  if (!options) return [];
  return Object.entries(options).map(([key, d]) => {
    const actions: DependencyAction[] = [
      ...(d.key !== undefined ? [{ key: d.key }] : []),
      ...(d.actions ?? []).map((a) => (typeof a === "string" ? { key: a } : a)),
    ];
    return {
      key,
      ...(d.app !== undefined ? { app: d.app } : {}),
      ...(d.version !== undefined ? { version: d.version } : {}),
      ...(d.description !== undefined ? { description: d.description } : {}),
      optional: d.optional ?? false,
      actionDependencies: actions.map((a) => ({
        key: a.key,
        ...(a.description !== undefined ? { description: a.description } : {}),
        demand: demandOf(a, d.app),
        optional: a.optional ?? false,
      })),
      autoResolvable: d.autoResolvable ?? true,
      ...(d.minViableInstances !== undefined ? { minViableInstances: d.minViableInstances } : {}),
      ...(d.maxViableInstances !== undefined ? { maxViableInstances: d.maxViableInstances } : {}),
      ...(d.preferedInstances !== undefined ? { preferedInstances: d.preferedInstances } : {}),
    };
  });
}

/** `DefinitionInput.isTestFor` from the `isTestFor` option: each target's fields in one order. */
export function toTestTargets(options: TestTarget[] | undefined): TestTarget[] {
  return (options ?? []).map((t) => ({
    ...(t.hash !== undefined ? { hash: t.hash } : {}),
    ...(t.app !== undefined ? { app: t.app } : {}),
    ...(t.key !== undefined ? { key: t.key } : {}),
    ...(t.version !== undefined ? { version: t.version } : {}),
  }));
}
